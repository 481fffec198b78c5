import ASLJSON
import Foundation

// `$fromMillis`/`$now` formatting and `$toMillis` parsing with XPath F&O 9.8 date/time pictures,
// after jsonata-js's datetime.js. All arithmetic is on UTC (proleptic Gregorian calendar).

private let millisInADay = 86_400_000.0
private let dayNames = ["", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
private let monthNames = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]

/// `Date.UTC(year, month0, day, h, m, s, ms)` with JavaScript's overflow normalisation.
func dateUTC(_ year: Double, _ month0: Double, _ day: Double = 1, _ h: Double = 0, _ mi: Double = 0, _ s: Double = 0, _ ms: Double = 0) -> Double {
    guard abs(year) < 300_000, abs(month0) < 4_000_000, [day, h, mi, s, ms].allSatisfy({ $0.isFinite && abs($0) < 1e15 }) else { return .nan }
    let y = Int(year) + Int((month0 / 12).rounded(.down))
    var m = Int(month0.truncatingRemainder(dividingBy: 12))
    if m < 0 { m += 12 }
    let days = Double(CivilDate.days(year: y, month: m + 1, day: 1)) + day - 1
    return days * millisInADay + h * 3_600_000 + mi * 60_000 + s * 1000 + ms
}

struct UTCDate {
    var year: Int, month: Int, day: Int, hours: Int, minutes: Int, seconds: Int, millis: Int, weekday: Int
    let time: Double

    init(_ time: Double) {
        self.time = time
        let days = Int((time / millisInADay).rounded(.down))
        var rem = Int(time - Double(days) * millisInADay)
        (year, month, day) = CivilDate.date(fromDays: days)
        month -= 1
        hours = rem / 3_600_000; rem %= 3_600_000
        minutes = rem / 60_000; rem %= 60_000
        seconds = rem / 1000
        millis = rem % 1000
        weekday = ((days % 7) + 11) % 7  // 1970-01-01 was a Thursday (4)
    }
}

private func startOfFirstWeek(_ year: Int, _ month: Int) -> Double {
    let jan1 = dateUTC(Double(year), Double(month))
    var day = UTCDate(jan1).weekday
    if day == 0 { day = 7 }
    return day > 4 ? jan1 + Double(8 - day) * millisInADay : jan1 - Double(day - 1) * millisInADay
}

private func deltaWeeks(_ start: Double, _ end: Double) -> Double { (end - start) / (millisInADay * 7) + 1 }

private enum Fragment { case number(Double), text(String), none }

private func dateTimeFragment(_ date: UTCDate, _ component: Character) -> Fragment {
    switch component {
    case "Y": return .number(Double(date.year))
    case "M": return .number(Double(date.month + 1))
    case "D": return .number(Double(date.day))
    case "d":
        let today = dateUTC(Double(date.year), Double(date.month), Double(date.day))
        return .number((today - dateUTC(Double(date.year), 0)) / millisInADay + 1)
    case "F": return .number(Double(date.weekday == 0 ? 7 : date.weekday))
    case "W":
        let start = startOfFirstWeek(date.year, 0)
        let today = dateUTC(Double(date.year), Double(date.month), Double(date.day))
        var week = deltaWeeks(start, today)
        if week > 52 {
            if today >= startOfFirstWeek(date.year + 1, 0) { week = 1 }
        } else if week < 1 {
            week = deltaWeeks(startOfFirstWeek(date.year - 1, 0), today)
        }
        return .number(week.rounded(.down))
    case "w":
        let start = startOfFirstWeek(date.year, date.month)
        let today = dateUTC(Double(date.year), Double(date.month), Double(date.day))
        var week = deltaWeeks(start, today)
        let (ny, nm) = date.month == 11 ? (date.year + 1, 0) : (date.year, date.month + 1)
        let (py, pm) = date.month == 0 ? (date.year - 1, 11) : (date.year, date.month - 1)
        if week > 4 {
            if today >= startOfFirstWeek(ny, nm) { week = 1 }
        } else if week < 1 {
            week = deltaWeeks(startOfFirstWeek(py, pm), today)
        }
        return .number(week.rounded(.down))
    case "X":
        let start = startOfFirstWeek(date.year, 0)
        let end = startOfFirstWeek(date.year + 1, 0)
        if date.time < start { return .number(Double(date.year - 1)) }
        if date.time >= end { return .number(Double(date.year + 1)) }
        return .number(Double(date.year))
    case "x":
        let start = startOfFirstWeek(date.year, date.month)
        let (ny, nm) = date.month == 11 ? (date.year + 1, 0) : (date.year, date.month + 1)
        let end = startOfFirstWeek(ny, nm)
        if date.time < start { return .number(Double((date.month + 11) % 12 + 1)) }
        if date.time >= end { return .number(Double(nm + 1)) }
        return .number(Double(date.month + 1))
    case "H": return .number(Double(date.hours))
    case "h":
        let h = date.hours % 12
        return .number(Double(h == 0 ? 12 : h))
    case "P": return .text(date.hours >= 12 ? "pm" : "am")
    case "m": return .number(Double(date.minutes))
    case "s": return .number(Double(date.seconds))
    case "f": return .number(Double(date.millis))
    case "C", "E": return .text("ISO")
    default: return .none
    }
}

private struct Marker {
    var component: Character
    var presentation1: String
    var presentation2: Character?
    var ordinal = false
    var names: IntegerFormat.Case? = nil
    var widthMin: Int? = nil
    var widthMax: Int? = nil
    var integerFormat: IntegerFormat? = nil
    var n = -1
}

private enum PicturePart { case literal(String), marker(Marker) }

private let defaultPresentation: [Character: String] = [
    "Y": "1", "M": "1", "D": "1", "d": "1", "F": "n", "W": "1", "w": "1", "X": "1", "x": "1", "H": "1", "h": "1",
    "P": "n", "m": "01", "s": "01", "f": "1", "Z": "01:01", "z": "01:01", "C": "n", "E": "n",
]

private func analyseDateTimePicture(_ picture: String) throws(RawError) -> [PicturePart] {
    let chars = Array(picture)
    var spec: [PicturePart] = []
    func addLiteral(_ start: Int, _ end: Int) {
        if end > start {
            spec.append(.literal(String(chars[start..<end]).replacingOccurrences(of: "]]", with: "]")))
        }
    }
    var start = 0, pos = 0
    while pos < chars.count {
        if chars[pos] == "[" {
            if pos + 1 < chars.count && chars[pos + 1] == "[" {
                addLiteral(start, pos)
                spec.append(.literal("["))
                pos += 2
                start = pos
                continue
            }
            addLiteral(start, pos)
            start = pos
            guard let close = chars[start...].firstIndex(of: "]") else { throw RawError("D3135") }
            pos = close
            let marker = Array(String(chars[(start + 1)..<pos]).filter { !$0.isWhitespace })
            guard let component = marker.first else { throw RawError("D3132", value: .string("")) }
            var def = Marker(component: component, presentation1: "")
            var presMod: String
            if let comma = marker.lastIndex(of: ",") {
                let widthMod = String(marker[(comma + 1)...])
                let bounds = widthMod.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
                func parseWidth(_ w: String?) throws(RawError) -> Int? {
                    guard let w, w != "*", let width = parseIntPrefix(w) else { return nil }
                    return try checkedWidth(width)
                }
                def.widthMin = try parseWidth(bounds[0])
                def.widthMax = try parseWidth(bounds.count > 1 ? bounds[1] : nil)
                presMod = String(marker[1..<comma])
            } else {
                presMod = String(marker.dropFirst())
            }
            if presMod.count == 1 {
                def.presentation1 = presMod
            } else if presMod.count > 1 {
                let last = presMod.last!
                if "atco".contains(last) {
                    def.presentation2 = last
                    if last == "o" { def.ordinal = true }
                    def.presentation1 = String(presMod.dropLast())
                } else {
                    def.presentation1 = presMod
                }
            } else {
                guard let d = defaultPresentation[component] else { throw RawError("D3132", value: .string(String(component))) }
                def.presentation1 = d
            }
            if defaultPresentation[component] == nil { throw RawError("D3132", value: .string(String(component))) }
            let p = Array(def.presentation1)
            if p.first == "n" {
                def.names = .lower
            } else if p.first == "N" {
                def.names = p.count > 1 && p[1] == "n" ? .title : .upper
            } else if "YMDdFWwXxHhmsf".contains(component) {
                var pattern = def.presentation1
                if let p2 = def.presentation2 { pattern += ";" + String(p2) }
                var f = try analyseIntegerPicture(pattern)
                if let min = def.widthMin, f.mandatoryDigits < min { f.mandatoryDigits = min }
                if component == "Y" {
                    def.n = -1
                    if let max = def.widthMax {
                        def.n = max
                        f.mandatoryDigits = max
                    } else {
                        let w = f.mandatoryDigits + f.optionalDigits
                        if w >= 2 { def.n = w }
                    }
                }
                def.integerFormat = f
            }
            if component == "Z" || component == "z" {
                def.integerFormat = try analyseIntegerPicture(def.presentation1)
            }
            spec.append(.marker(def))
            start = pos + 1
        }
        pos += 1
    }
    addLiteral(start, pos)
    return spec
}

private let isoPicture = "[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01].[f001][Z01:01t]"

func formatDateTime(_ millis: Double, picture: String?, timezone: String?) throws(RawError) -> String {
    guard abs(millis) <= 8.64e15 else {
        var e = RawError("D3137")
        e.message = "Invalid time value: \(jsNumberString(millis))"
        throw e
    }
    var offsetHours = 0.0, offsetMinutes = 0.0
    if let timezone, let offset = parseIntPrefix(timezone) {
        offsetHours = (offset / 100).rounded(.down)
        offsetMinutes = offset.truncatingRemainder(dividingBy: 100)
    }
    let spec = try analyseDateTimePicture(picture ?? isoPicture)
    // A timezone such as "99999999999999999999" moves the time out of any calendar.
    let local = millis + (60 * offsetHours + offsetMinutes) * 60_000
    guard abs(local) <= 8.64e15 + 8.64e7 else {
        var e = RawError("D3137")
        e.message = "Invalid time value: \(jsNumberString(millis)) in timezone \(timezone ?? "")"
        throw e
    }
    let date = UTCDate(local)
    var result = ""
    for part in spec {
        switch part {
        case .literal(let s): result += s
        case .marker(let m): result += try formatComponent(date, m, offsetHours, offsetMinutes)
        }
    }
    return result
}

private func formatComponent(_ date: UTCDate, _ m: Marker, _ offsetHours: Double, _ offsetMinutes: Double) throws(RawError) -> String {
    let fragment = dateTimeFragment(date, m.component)
    if "YMDdFWwXxHhms".contains(m.component) {
        guard case .number(var value) = fragment else { return "" }
        if m.component == "Y" && m.n != -1 { value = value.truncatingRemainder(dividingBy: pow(10, Double(m.n))) }
        if let names = m.names {
            var text: String
            if m.component == "M" || m.component == "x" {
                text = monthNames[Int(value) - 1]
            } else if m.component == "F" {
                text = dayNames[Int(value)]
            } else {
                throw RawError("D3133", value: .string(String(m.component)))
            }
            if names == .upper { text = text.uppercased() } else if names == .lower { text = text.lowercased() }
            if let max = m.widthMax, text.count > max { text = String(text.prefix(max)) }
            return text
        }
        return try formatIntegerValue(value, m.integerFormat!)
    }
    if m.component == "f" {
        guard case .number(let value) = fragment else { return "" }
        return try formatIntegerValue(value, m.integerFormat!)
    }
    if m.component == "Z" || m.component == "z" {
        let offset = offsetHours * 100 + offsetMinutes
        let f = m.integerFormat!
        var text: String
        if f.regular {
            text = try formatIntegerValue(offset, f)
        } else {
            let digits = f.mandatoryDigits
            if digits == 1 || digits == 2 {
                text = try formatIntegerValue(offsetHours, f)
                if offsetMinutes != 0 { text += ":" + (try formatInteger(offsetMinutes, "00")) }
            } else if digits == 3 || digits == 4 {
                text = try formatIntegerValue(offset, f)
            } else {
                throw RawError("D3134", value: .number(Double(digits)))
            }
        }
        if offset >= 0 { text = "+" + text }
        if m.component == "z" { text = "GMT" + text }
        if offset == 0 && m.presentation2 == "t" { text = "Z" }
        return text
    }
    switch fragment {
    case .text(let s):
        if m.component != "C" && m.component != "E", let names = m.names {
            if names == .upper { return s.uppercased() }
            if names == .lower { return s.lowercased() }
        }
        return s
    case .number(let d): return jsNumberString(d)
    case .none: return ""
    }
}

// MARK: - Parsing

func parseDateTime(_ timestamp: String, picture: String, now: Double) throws(RawError) -> Double? {
    let spec = try analyseDateTimePicture(picture)
    struct PartMatcher { var regex: String; var component: Character?; var parse: ((String) -> Double?)? }
    var matchers: [PartMatcher] = []
    for part in spec {
        switch part {
        case .literal(let s):
            var escaped = ""
            for c in s {
                if ".*+?^${}()|[]\\".contains(c) { escaped.append("\\") }
                escaped.append(c)
            }
            matchers.append(PartMatcher(regex: escaped, component: nil, parse: nil))
        case .marker(let m):
            if m.component == "Z" || m.component == "z" {
                let f = m.integerFormat!
                let separator: String? = f.regular ? f.regularCharacter : nil
                var regex = m.component == "z" ? "GMT" : ""
                regex += "[-+][0-9]+"
                if let separator { regex += separator + "[0-9]+" }
                let isZ = m.component == "z"
                matchers.append(PartMatcher(regex: regex, component: m.component) { value in
                    var v = value
                    if isZ { v = String(v.dropFirst(3)) }
                    var hours = 0.0, minutes = 0.0
                    if let separator, let r = v.range(of: separator) {
                        hours = parseIntPrefix(String(v[..<r.lowerBound])) ?? .nan
                        minutes = parseIntPrefix(String(v[r.upperBound...])) ?? .nan
                    } else {
                        if v.count - 1 <= 2 {
                            hours = parseIntPrefix(v) ?? .nan
                        } else {
                            hours = parseIntPrefix(String(v.prefix(3))) ?? .nan
                            minutes = parseIntPrefix(String(v.dropFirst(3))) ?? .nan
                        }
                    }
                    return hours * 60 + minutes
                })
            } else if var f = m.integerFormat {
                f.n = m.n
                if m.component == "f" && f.primary == .decimal {
                    // Fractional seconds: more than three digits are truncated to milliseconds.
                    matchers.append(PartMatcher(regex: "[0-9]+", component: "f") { v in
                        v.count > 3 ? parseIntPrefix(String(v.prefix(3))) : parseIntPrefix(v)
                    })
                    continue
                }
                if m.component != "Y" && f.primary == .decimal && f.mandatoryDigits >= 2 && f.groupingSeparators.isEmpty && !f.regular {
                    // Fixed-width numeric fields (e.g. [M01]) so adjacent fields can be split.
                    f.n = f.mandatoryDigits
                }
                let im = try integerMatcher(f)
                matchers.append(PartMatcher(regex: im.regex, component: m.component, parse: im.parse))
            } else {
                var lookup: [String: Double] = [:]
                if m.component == "M" || m.component == "x" {
                    for (i, name) in monthNames.enumerated() { lookup[m.widthMax.map { String(name.prefix($0)) } ?? name] = Double(i + 1) }
                } else if m.component == "F" {
                    for (i, name) in dayNames.enumerated() where i > 0 { lookup[m.widthMax.map { String(name.prefix($0)) } ?? name] = Double(i) }
                } else if m.component == "P" {
                    lookup = ["am": 0, "AM": 0, "pm": 1, "PM": 1]
                } else {
                    throw RawError("D3133", value: .string(String(m.component)))
                }
                matchers.append(PartMatcher(regex: "[a-zA-Z]+", component: m.component) { lookup[$0] })
            }
        }
    }
    let full = "^" + matchers.map { "(" + $0.regex + ")" }.joined() + "$"
    guard let program = try? RegexProgram(pattern: full, caseInsensitive: true, multiline: false) else { return nil }
    let text = scalars(timestamp)
    guard let caps = program.firstMatch(in: text, from: 0) else { return nil }
    var components: [Character: Double] = [:]
    for (i, m) in matchers.enumerated() {
        guard let parse = m.parse, let c = m.component else { continue }
        let s = caps[2 * (i + 1)], e = caps[2 * (i + 1) + 1]
        guard s >= 0 else { continue }
        if let v = parse(fromScalars(text[s..<e])) { components[c] = v } else { components[c] = .nan }
    }
    if components.isEmpty { return nil }
    func present(_ c: Character) -> Bool { if let v = components[c] { return v != 0 && !v.isNaN }; return false }
    var mask = 0
    func isType(_ type: Int) -> Bool { (~type & mask) == 0 && (type & mask) != 0 }
    for c in "YXMxWwdD" { mask = (mask << 1) + (present(c) ? 1 : 0) }
    let dateA = isType(161)
    let dateB = !dateA && isType(130)
    let dateC = isType(84)
    let dateD = !dateC && isType(72)
    mask = 0
    for c in "PHhmsf" { mask = (mask << 1) + (present(c) ? 1 : 0) }
    let timeA = isType(23)
    let timeB = !timeA && isType(47)
    let dateComps = dateB ? "YD" : dateC ? "XxwF" : dateD ? "XWF" : "YMD"
    let timeComps = timeB ? "Phmsf" : "Hmsf"
    let nowDate = UTCDate(now)
    var startSpecified = false, endSpecified = false
    for part in dateComps + timeComps {
        if components[part] == nil {
            if startSpecified {
                components[part] = "MDd".contains(part) ? 1 : 0
                endSpecified = true
            } else {
                if case .number(let v) = dateTimeFragment(nowDate, part) { components[part] = v } else { components[part] = 0 }
            }
        } else {
            startSpecified = true
            if endSpecified { throw RawError("D3136") }
        }
    }
    if let m = components["M"], m > 0 { components["M"] = m - 1 } else { components["M"] = 0 }
    if dateB {
        let firstJan = dateUTC(components["Y"]!, 0)
        let derived = UTCDate(firstJan + ((components["d"] ?? 1) - 1) * millisInADay)
        components["M"] = Double(derived.month)
        components["D"] = Double(derived.day)
    }
    if dateC || dateD { throw RawError("D3136") }
    if timeB {
        let h = components["h"] ?? 0
        components["H"] = h == 12 ? 0 : h
        if components["P"] == 1 { components["H"]! += 12 }
    }
    let values = [components["Y"], components["M"], components["D"], components["H"], components["m"], components["s"], components["f"]].map { $0 ?? 0 }
    if values.contains(where: { $0.isNaN }) { return nil }
    var millis = dateUTC(values[0], values[1], values[2], values[3], values[4], values[5], values[6])
    if let z = components["Z"] ?? components["z"], z != 0 { millis -= z * 60_000 }
    return millis
}

/// Parses an ISO 8601 timestamp as jsonata-js accepts it (`YYYY[-MM[-DD]][THH:mm:ss][.fff][Z|±HH[:]mm]`).
func parseISO8601(_ s: String) -> Double? {
    let c = Array(s.utf8)
    var i = 0
    func digits(_ n: Int) -> Int? {
        guard i + n <= c.count else { return nil }
        var v = 0
        for k in 0..<n {
            let d = c[i + k]
            guard d >= 48 && d <= 57 else { return nil }
            v = v * 10 + Int(d - 48)
        }
        i += n
        return v
    }
    func peek(_ ch: Character) -> Bool { i < c.count && c[i] == ch.asciiValue! }
    guard let year = digits(4) else { return nil }
    var month = 1, day = 1, h = 0, mi = 0, sec = 0, ms = 0.0
    var hasTime = false
    if peek("-") { i += 1; guard let m = digits(2) else { return nil }; month = m }
    if peek("-") { i += 1; guard let d = digits(2) else { return nil }; day = d }
    if peek("T") {
        i += 1
        guard let hh = digits(2), peek(":") else { return nil }
        i += 1
        guard let mm = digits(2), peek(":") else { return nil }
        i += 1
        guard let ss = digits(2) else { return nil }
        h = hh; mi = mm; sec = ss
        hasTime = true
    }
    if peek(".") {
        i += 1
        let start = i
        while i < c.count && c[i] >= 48 && c[i] <= 57 { i += 1 }
        if i == start { return nil }
        let frac = String(decoding: c[start..<i], as: UTF8.self)
        ms = (Double("0." + frac) ?? 0) * 1000
        ms = ms.rounded(.down)
    }
    var offset = 0
    if peek("Z") {
        i += 1
    } else if peek("+") || peek("-") {
        let sign = peek("-") ? -1 : 1
        i += 1
        guard let oh = digits(2) else { return nil }
        if peek(":") { i += 1 }
        guard let om = digits(2) else { return nil }
        offset = sign * (oh * 60 + om)
    }
    guard i == c.count, month >= 1, month <= 12, day >= 1, day <= 31, h <= 24, mi <= 59, sec <= 59 else { return nil }
    _ = hasTime
    return dateUTC(Double(year), Double(month - 1), Double(day), Double(h), Double(mi), Double(sec), ms) - Double(offset) * 60_000
}
