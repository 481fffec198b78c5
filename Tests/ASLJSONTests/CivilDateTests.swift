@testable import ASLJSON
import Foundation
import Testing

/// `CivilDate` against expectations computed outside aslx: Python's `datetime.date.toordinal()`
/// (proleptic Gregorian) for years 1...9999, hand arithmetic for year 0 and negative years, and
/// Foundation's Gregorian calendar for a sweep after the 1582 reform.
@Suite struct CivilDateTests {
    /// (year, month, day, days since 1970-01-01), from
    /// `date(y, m, d).toordinal() - date(1970, 1, 1).toordinal()` in Python.
    static let known: [(Int, Int, Int, Int)] = [
        (1970, 1, 1, 0), (1969, 12, 31, -1), (2000, 2, 29, 11016), (2000, 3, 1, 11017),
        (1900, 2, 28, -25509), (1900, 3, 1, -25508), (2024, 2, 29, 19782), (1, 1, 1, -719_162),
        (9999, 12, 31, 2_932_896), (1600, 2, 29, -135_081), (2100, 2, 28, 47540), (2100, 3, 1, 47541),
    ]

    @Test func knownDayNumbers() {
        for (y, m, d, n) in Self.known {
            #expect(CivilDate.days(year: y, month: m, day: d) == n, "\(y)-\(m)-\(d)")
            let date = CivilDate.date(fromDays: n)
            #expect(date.year == y && date.month == m && date.day == d, "day \(n)")
        }
    }

    /// Year 0 is a leap year (ISO 8601's proleptic calendar): 0000-12-31 is the day before
    /// 0001-01-01, and year 0 has 366 days; year -1 has 365, year -4 and -400 are leap years.
    @Test func yearZeroAndNegativeYears() {
        #expect(CivilDate.days(year: 0, month: 12, day: 31) == -719_163)
        #expect(CivilDate.days(year: 0, month: 1, day: 1) == -719_163 - 365)
        #expect(CivilDate.days(year: 0, month: 3, day: 1) == -719_468)
        #expect(CivilDate.days(year: 0, month: 2, day: 29) == -719_469)
        #expect(CivilDate.days(year: -1, month: 1, day: 1) == -719_528 - 365)
        #expect(CivilDate.isLeapYear(0) && CivilDate.isLeapYear(-4) && CivilDate.isLeapYear(-400))
        #expect(!CivilDate.isLeapYear(-1) && !CivilDate.isLeapYear(-100) && !CivilDate.isLeapYear(1900))
        let d = CivilDate.date(fromDays: -719_529)
        #expect(d.year == -1 && d.month == 12 && d.day == 31)
    }

    @Test func monthLengths() {
        #expect((1...12).map { CivilDate.daysIn(month: $0, year: 2023) } == [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
        #expect(CivilDate.daysIn(month: 2, year: 2000) == 29)
        #expect(CivilDate.daysIn(month: 2, year: 2100) == 28)
    }

    /// Walking day by day from -0401-01-01 to 2401-12-31, each day number maps to the calendar
    /// day after the previous one, and back.
    @Test func consecutiveDaysAreConsecutiveDates() {
        var (y, m, d) = (-401, 1, 1)
        let first = CivilDate.days(year: y, month: m, day: d)
        let last = CivilDate.days(year: 2401, month: 12, day: 31)
        for n in first...last {
            let date = CivilDate.date(fromDays: n)
            guard date.year == y, date.month == m, date.day == d else {
                Issue.record("day \(n): \(date), expected \(y)-\(m)-\(d)")
                return
            }
            d += 1
            if d > CivilDate.daysIn(month: m, year: y) { d = 1; m += 1 }
            if m > 12 { m = 1; y += 1 }
        }
        #expect(y == 2402 && m == 1 && d == 1)
    }

    @Test func matchesFoundationGregorianCalendar() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let first = CivilDate.days(year: 1600, month: 1, day: 1)
        for n in stride(from: first, through: 2_932_896, by: 997) {
            let c = calendar.dateComponents([.year, .month, .day], from: Date(timeIntervalSince1970: Double(n) * 86400))
            let date = CivilDate.date(fromDays: n)
            #expect(c.year == date.year && c.month == date.month && c.day == date.day, "day \(n)")
        }
    }

    @Test func splitRoundsTowardsThePast() {
        #expect(CivilDate.split(epochSeconds: 0) == (days: 0, secondOfDay: 0))
        #expect(CivilDate.split(epochSeconds: 86399) == (days: 0, secondOfDay: 86399))
        #expect(CivilDate.split(epochSeconds: -1) == (days: -1, secondOfDay: 86399))
        #expect(CivilDate.split(epochSeconds: -86400) == (days: -1, secondOfDay: 0))
        #expect(CivilDate.split(epochSeconds: Int64.min).days == Int64.min / 86400 - 1)
    }
}
