/// Proleptic Gregorian calendar arithmetic on day numbers (days since 1970-01-01, negative
/// before), the one copy shared by ASL timestamps (`Timestamp`, `WallClock`) and JSONata's date
/// functions.
///
/// Howard Hinnant's `days_from_civil` / `civil_from_days`
/// (<https://howardhinnant.github.io/date_algorithms.html>): exact for year 0 (a leap year, as in
/// ISO 8601) and negative years, on 400-year eras. Callers bound the year first (`Timestamp`
/// reads four digits, JSONata's `dateUTC` keeps |year| < 300 000), so nothing here overflows.
package enum CivilDate {
    /// Days in a 400-year era.
    static let daysPerEra = 146_097
    /// Day number of 0000-03-01, the start of era 0 (eras begin in March so leap days fall last).
    static let era0Offset = 719_468

    /// Gregorian leap year: divisible by 4, except centuries not divisible by 400.
    package static func isLeapYear(_ year: Int) -> Bool {
        (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
    }

    /// Days in `month` (1...12) of `year`.
    package static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 of `year`-`month`-`day` (month 1...12; day 1...31, not checked
    /// against the month, so day 0 is the last day of the month before).
    package static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let monthFromMarch = (month + 9) % 12
        let dayOfYear = (153 * monthFromMarch + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * daysPerEra + dayOfEra - era0Offset
    }

    /// The civil date (month 1...12, day 1...31) of day number `days`.
    package static func date(fromDays days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + era0Offset
        let era = (z >= 0 ? z : z - (daysPerEra - 1)) / daysPerEra
        let dayOfEra = z - era * daysPerEra
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthFromMarch = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthFromMarch + 2) / 5 + 1
        let month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// Splits seconds since the epoch into a day number and the second of that day
    /// (0..<86400), rounding towards the past for instants before 1970.
    package static func split(epochSeconds: Int64) -> (days: Int64, secondOfDay: Int) {
        let (quotient, remainder) = epochSeconds.quotientAndRemainder(dividingBy: 86400)
        return remainder < 0 ? (quotient - 1, Int(remainder) + 86400) : (quotient, Int(remainder))
    }
}
