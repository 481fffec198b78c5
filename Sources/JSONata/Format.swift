import Foundation

// `$formatNumber` (XPath F&O 4.7 decimal-format pictures), `$formatInteger` and
// `$parseInteger` (F&O 4.6 integer pictures), after jsonata-js's functions.js and datetime.js.

// MARK: - Integer pictures

private let few = ["Zero", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten",
                   "Eleven", "Twelve", "Thirteen", "Fourteen", "Fifteen", "Sixteen", "Seventeen", "Eighteen", "Nineteen"]
private let ordinals = ["Zeroth", "First", "Second", "Third", "Fourth", "Fifth", "Sixth", "Seventh", "Eighth", "Ninth", "Tenth",
                        "Eleventh", "Twelfth", "Thirteenth", "Fourteenth", "Fifteenth", "Sixteenth", "Seventeenth", "Eighteenth", "Nineteenth"]
private let decades = ["Twenty", "Thirty", "Forty", "Fifty", "Sixty", "Seventy", "Eighty", "Ninety", "Hundred"]
private let magnitudes = ["Thousand", "Million", "Billion", "Trillion"]

func numberToWords(_ value: Double, ordinal: Bool) -> String {
    func lookup(_ num: Double, _ prev: Bool, _ ord: Bool) -> String {
        var words = ""
        if num <= 19 {
            words = (prev ? " and " : "") + (ord ? ordinals[Int(num)] : few[Int(num)])
        } else if num < 100 {
            let tens = Int(num / 10)
            let remainder = num.truncatingRemainder(dividingBy: 10)
            words = (prev ? " and " : "") + decades[tens - 2]
            if remainder > 0 {
                words += "-" + lookup(remainder, false, ord)
            } else if ord {
                words = String(words.dropLast()) + "ieth"
            }
        } else if num < 1000 {
            let hundreds = Int(num / 100)
            let remainder = num.truncatingRemainder(dividingBy: 100)
            words = (prev ? ", " : "") + few[hundreds] + " Hundred"
            if remainder > 0 {
                words += lookup(remainder, true, ord)
            } else if ord {
                words += "th"
            }
        } else {
            var mag = Int((log10(num) / 3).rounded(.down))
            if mag > magnitudes.count { mag = magnitudes.count }
            let factor = pow(10, Double(mag * 3))
            let mant = (num / factor).rounded(.down)
            let remainder = num - mant * factor
            words = (prev ? ", " : "") + lookup(mant, false, false) + " " + magnitudes[mag - 1]
            if remainder > 0 {
                words += lookup(remainder, true, ord)
            } else if ord {
                words += "th"
            }
        }
        return words
    }
    return lookup(value, false, ordinal)
}

private let wordValues: [String: Double] = {
    var v: [String: Double] = [:]
    for (i, w) in few.enumerated() { v[w.lowercased()] = Double(i) }
    for (i, w) in ordinals.enumerated() { v[w.lowercased()] = Double(i) }
    for (i, w) in decades.enumerated() {
        let l = w.lowercased()
        v[l] = Double((i + 2) * 10)
        v[String(l.dropLast()) + "ieth"] = v[l]
    }
    v["hundredth"] = 100
    for (i, w) in magnitudes.enumerated() {
        let l = w.lowercased()
        let val = pow(10, Double((i + 1) * 3))
        v[l] = val
        v[l + "th"] = val
    }
    return v
}()

private func wordsToNumber(_ text: String) -> Double {
    // split on ", " | " and " | whitespace | "-"
    var parts: [String] = []
    var t = text.replacingOccurrences(of: ", ", with: " ").replacingOccurrences(of: " and ", with: " ")
    t = t.replacingOccurrences(of: "-", with: " ")
    parts = t.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).map(String.init)
    var segs: [Double] = [0]
    for part in parts {
        let value = wordValues[part] ?? .nan
        if value < 100 {
            var top = segs.removeLast()
            if top >= 1000 {
                segs.append(top)
                top = 0
            }
            segs.append(top + value)
        } else {
            segs.append(segs.removeLast() * value)
        }
    }
    return segs.reduce(0, +)
}

private let romanNumerals: [(Double, String)] = [
    (1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l"), (40, "xl"),
    (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"),
]

private func decimalToRoman(_ value: Double) throws(RawError) -> String {
    // One "m" per thousand: a huge value would loop for ever (1e19 - 1000 == 1e19) building an
    // endless string.
    guard value / 1000 <= Double(Evaluator.sizeLimit) else { throw Evaluator.stringSizeError() }
    var v = value
    var out = ""
    outer: while v > 0 {
        for (n, s) in romanNumerals where v >= n {
            out += s
            v -= n
            continue outer
        }
        break
    }
    return out
}

private func romanToDecimal(_ roman: String) -> Double {
    let values: [Character: Double] = ["M": 1000, "D": 500, "C": 100, "L": 50, "X": 10, "V": 5, "I": 1]
    var decimal = 0.0
    var maxV = 1.0
    for ch in roman.reversed() {
        let value = values[ch] ?? .nan
        if value < maxV { decimal -= value } else { maxV = value; decimal += value }
    }
    return decimal
}

private func decimalToLetters(_ value: Double, _ aChar: UInt32) -> String {
    var letters: [UInt32] = []
    var v = value
    while v > 0 {
        letters.insert(UInt32((v - 1).truncatingRemainder(dividingBy: 26)) + aChar, at: 0)
        v = ((v - 1) / 26).rounded(.down)
    }
    return fromScalars(letters)
}

private func lettersToDecimal(_ letters: String, _ aChar: UInt32) -> Double {
    let codes = scalars(letters)
    var decimal = 0.0
    for (i, c) in codes.reversed().enumerated() { decimal += Double(Int(c) - Int(aChar) + 1) * pow(26, Double(i)) }
    return decimal
}

struct IntegerFormat {
    enum Primary { case decimal, letters, roman, words, sequence }
    enum Case { case upper, lower, title }
    var primary: Primary = .decimal
    var letterCase: Case = .lower
    var ordinal = false
    var zeroCode: UInt32 = 0x30
    var mandatoryDigits = 0
    var optionalDigits = 0
    var regular = false
    var regularPosition = 0
    var regularCharacter = ""
    var groupingSeparators: [(position: Int, character: String)] = []
    var token = ""
    var n: Int? = nil
}

private let decimalGroups: [UInt32] = [
    0x30, 0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6, 0x0C66, 0x0CE6, 0x0D66,
    0x0DE6, 0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90, 0x1B50,
    0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10,
]

func analyseIntegerPicture(_ picture: String) throws(RawError) -> IntegerFormat {
    var format = IntegerFormat()
    var primaryFormat = picture
    if let semicolon = picture.lastIndex(of: ";") {
        primaryFormat = String(picture[..<semicolon])
        let modifier = picture[picture.index(after: semicolon)...]
        if modifier.first == "o" { format.ordinal = true }
    }
    switch primaryFormat {
    case "A": format.letterCase = .upper; format.primary = .letters
    case "a": format.primary = .letters
    case "I": format.letterCase = .upper; format.primary = .roman
    case "i": format.primary = .roman
    case "W": format.letterCase = .upper; format.primary = .words
    case "Ww": format.letterCase = .title; format.primary = .words
    case "w": format.primary = .words
    default:
        var zeroCode: UInt32? = nil
        var mandatory = 0, optional = 0, separatorPosition = 0
        var separators: [(position: Int, character: String)] = []
        for cp in scalars(primaryFormat).reversed() {
            var digit = false
            for group in decimalGroups where cp >= group && cp <= group + 9 {
                digit = true
                mandatory += 1
                separatorPosition += 1
                if zeroCode == nil { zeroCode = group } else if group != zeroCode { throw RawError("D3131") }
                break
            }
            if !digit {
                if cp == 0x23 {
                    separatorPosition += 1
                    optional += 1
                } else {
                    separators.append((separatorPosition, fromScalars([cp])))
                }
            }
        }
        if mandatory > 0 {
            format.primary = .decimal
            format.zeroCode = zeroCode!
            format.mandatoryDigits = mandatory
            format.optionalDigits = optional
            let regular = regularRepeat(separators)
            if regular > 0 {
                format.regular = true
                format.regularPosition = regular
                format.regularCharacter = separators[0].character
            } else {
                format.groupingSeparators = separators
            }
        } else {
            format.primary = .sequence
            format.token = primaryFormat
        }
    }
    return format
}

private func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }

private func regularRepeat(_ separators: [(position: Int, character: String)]) -> Int {
    guard let first = separators.first else { return 0 }
    for s in separators.dropFirst() where s.character != first.character { return 0 }
    let indexes = separators.map(\.position)
    let factor = indexes.dropFirst().reduce(indexes[0], gcd)
    for index in 1...indexes.count where !indexes.contains(index * factor) { return 0 }
    return factor
}

func formatIntegerValue(_ valueIn: Double, _ format: IntegerFormat) throws(RawError) -> String {
    guard valueIn.isFinite else { throw RawError("D3001") }
    let negative = valueIn < 0
    let value = abs(valueIn)
    var out: String
    switch format.primary {
    case .letters:
        out = decimalToLetters(value, format.letterCase == .upper ? 65 : 97)
    case .roman:
        // One `M` per thousand: jsonata-js runs out of string length (and past 2^53 never
        // ends), so a numeral that long is the same `Invalid string length`.
        guard value / 1000 <= Double(maxBuiltStringLength) else { throw invalidStringLength() }
        out = try decimalToRoman(value)
        if format.letterCase == .upper { out = out.uppercased() }
    case .words:
        out = numberToWords(value, ordinal: format.ordinal)
        if format.letterCase == .upper { out = out.uppercased() } else if format.letterCase == .lower { out = out.lowercased() }
    case .decimal:
        out = jsNumberString(value)
        let padLength = format.mandatoryDigits - out.count
        if padLength > 0 { out = String(repeating: "0", count: padLength) + out }
        if format.zeroCode != 0x30 {
            out = fromScalars(scalars(out).map { $0 + format.zeroCode - 0x30 })
        }
        var chars = Array(out)
        if format.regular {
            let n = (chars.count - 1) / format.regularPosition
            if n > 0 {
                for ii in stride(from: n, to: 0, by: -1) {
                    let pos = chars.count - ii * format.regularPosition
                    chars.insert(contentsOf: Array(format.regularCharacter), at: pos)
                }
            }
        } else {
            for sep in format.groupingSeparators.reversed() {
                let pos = chars.count - sep.position
                chars.insert(contentsOf: Array(sep.character), at: max(pos, 0))
            }
        }
        out = String(chars)
        if format.ordinal {
            let last = out.last
            var suffix: String? = last == "1" ? "st" : last == "2" ? "nd" : last == "3" ? "rd" : nil
            if suffix == nil || (out.count > 1 && out.dropLast().last == "1") { suffix = "th" }
            out += suffix!
        }
    case .sequence:
        throw RawError("D3130", value: .string(format.token))
    }
    if negative { out = "-" + out }
    return out
}

func formatInteger(_ value: Double, _ picture: String) throws(RawError) -> String {
    try formatIntegerValue(value.rounded(.down), try analyseIntegerPicture(picture))
}

/// A parser for one integer picture (the regex pattern text plus the conversion).
struct IntegerMatcher {
    var regex: String
    var parse: (String) -> Double?
}

func integerMatcher(_ format: IntegerFormat) throws(RawError) -> IntegerMatcher {
    let isUpper = format.letterCase == .upper
    let occurrences = (format.n ?? 0) > 0 ? "{\(format.n!)}" : "+"
    switch format.primary {
    case .letters:
        return IntegerMatcher(regex: isUpper ? "[A-Z]+" : "[a-z]+") { lettersToDecimal($0, isUpper ? 65 : 97) }
    case .roman:
        return IntegerMatcher(regex: isUpper ? "[MDCLXVI]+" : "[mdclxvi]+") { romanToDecimal(isUpper ? $0 : $0.uppercased()) }
    case .words:
        let words = wordValues.keys.sorted { $0.count > $1.count }
        return IntegerMatcher(regex: "(?:" + (words + ["and", "[\\-, ]"]).joined(separator: "|") + ")+") { wordsToNumber($0.lowercased()) }
    case .decimal:
        var regex = "[0-9]\(occurrences)"
        if format.ordinal { regex += "(?:th|st|nd|rd)" }
        return IntegerMatcher(regex: regex) { value in
            var digits = value
            if format.ordinal { digits = String(digits.dropLast(2)) }
            if format.regular {
                digits = digits.replacingOccurrences(of: ",", with: "")
            } else {
                for sep in format.groupingSeparators { digits = digits.replacingOccurrences(of: sep.character, with: "") }
            }
            if format.zeroCode != 0x30 { digits = fromScalars(scalars(digits).map { $0 - format.zeroCode + 0x30 }) }
            return parseIntPrefix(digits)
        }
    case .sequence:
        throw RawError("D3130", value: .string(format.token))
    }
}

/// JavaScript `parseInt(s, 10)`: the leading integer, or NaN.
func parseIntPrefix(_ s: String) -> Double? {
    var chars = Substring(s.trimmingCharacters(in: .whitespaces))
    var sign = 1.0
    if chars.first == "-" { sign = -1; chars = chars.dropFirst() } else if chars.first == "+" { chars = chars.dropFirst() }
    let digits = chars.prefix { $0.isASCII && $0.isNumber }
    guard !digits.isEmpty, let v = Double(digits) else { return nil }
    return sign * v
}

func parseInteger(_ s: String, _ picture: String) throws(RawError) -> Double? {
    let format = try analyseIntegerPicture(picture)
    return try integerMatcher(format).parse(s)
}

// MARK: - Decimal-format pictures

func formatNumber(_ value: Double, _ picture: String, _ options: JObject?) throws(RawError) -> String {
    var props: [String: String] = [
        "decimal-separator": ".", "grouping-separator": ",", "exponent-separator": "e", "infinity": "Infinity",
        "minus-sign": "-", "NaN": "NaN", "percent": "%", "per-mille": "\u{2030}", "zero-digit": "0", "digit": "#",
        "pattern-separator": ";",
    ]
    if let options { for (k, v) in options.entries { if case .string(let s) = v { props[k] = s } } }
    func p(_ k: String) -> Character { props[k]?.first ?? " " }
    let zeroCode = p("zero-digit").unicodeScalars.first!.value
    let family: [Character] = (0..<10).map { Character(Unicode.Scalar(zeroCode + $0)!) }
    let decimalSep = p("decimal-separator"), groupSep = p("grouping-separator"), expSep = p("exponent-separator")
    let digitChar = p("digit"), patternSep = p("pattern-separator"), percent = p("percent"), perMille = p("per-mille")
    let active: Set<Character> = Set(family + [decimalSep, expSep, groupSep, digitChar, patternSep])
    let subPictures = picture.split(separator: patternSep, omittingEmptySubsequences: false).map { Array($0) }
    if subPictures.count > 2 { throw RawError("D3080") }

    struct Parts {
        var prefix: [Character], suffix: [Character], active: [Character], mantissa: [Character]
        var exponent: [Character]?, integer: [Character], fractional: [Character], sub: [Character]
    }
    func firstIndex(_ a: [Character], _ c: Character, from: Int = 0) -> Int? {
        guard from < a.count else { return nil }
        return a[from...].firstIndex(of: c)
    }
    func splitParts(_ sub: [Character]) -> Parts {
        var prefixEnd = sub.count
        for (i, ch) in sub.enumerated() where active.contains(ch) && ch != expSep { prefixEnd = i; break }
        let prefix = Array(sub[..<prefixEnd])
        var suffixStart = sub.count
        for i in stride(from: sub.count - 1, through: 0, by: -1) where active.contains(sub[i]) && sub[i] != expSep {
            suffixStart = i + 1
            break
        }
        if prefixEnd == sub.count { suffixStart = sub.count }
        let suffix = Array(sub[min(suffixStart, sub.count)...])
        let activePart = prefix.count <= sub.count - suffix.count ? Array(sub[prefix.count..<(sub.count - suffix.count)]) : []
        var mantissa = activePart
        var exponent: [Character]? = nil
        if let e = firstIndex(sub, expSep, from: prefix.count), e <= sub.count - suffix.count {
            mantissa = Array(activePart[..<min(e, activePart.count)])
            exponent = e + 1 <= activePart.count ? Array(activePart[(e + 1)...]) : []
        }
        var integer = mantissa, fractional = suffix
        if let d = mantissa.firstIndex(of: decimalSep) {
            integer = Array(mantissa[..<d])
            fractional = Array(mantissa[(d + 1)...])
        }
        return Parts(prefix: prefix, suffix: suffix, active: activePart, mantissa: mantissa, exponent: exponent, integer: integer, fractional: fractional, sub: sub)
    }
    func count(_ a: [Character], _ c: Character) -> Int { a.filter { $0 == c }.count }
    func validate(_ parts: Parts) throws(RawError) {
        var error: String? = nil
        let sub = parts.sub
        if count(sub, decimalSep) > 1 { error = "D3081" }
        if count(sub, percent) > 1 { error = "D3082" }
        if count(sub, perMille) > 1 { error = "D3083" }
        if sub.contains(percent) && sub.contains(perMille) { error = "D3084" }
        if !parts.mantissa.contains(where: { family.contains($0) || $0 == digitChar }) { error = "D3085" }
        if parts.active.contains(where: { !active.contains($0) }) { error = "D3086" }
        if let d = sub.firstIndex(of: decimalSep) {
            if (d > 0 && sub[d - 1] == groupSep) || (d + 1 < sub.count && sub[d + 1] == groupSep) { error = "D3087" }
        } else if parts.integer.last == groupSep {
            error = "D3088"
        }
        for i in 0..<max(sub.count - 1, 0) where sub[i] == groupSep && sub[i + 1] == groupSep { error = "D3089" }
        if let o = parts.integer.firstIndex(of: digitChar), parts.integer[..<o].contains(where: { family.contains($0) }) { error = "D3090" }
        if let o = parts.fractional.lastIndex(of: digitChar), parts.fractional[o...].contains(where: { family.contains($0) }) { error = "D3091" }
        if let e = parts.exponent {
            if !e.isEmpty && (sub.contains(percent) || sub.contains(perMille)) { error = "D3092" }
            if e.isEmpty || e.contains(where: { !family.contains($0) }) { error = "D3093" }
        }
        if let error { throw RawError(error) }
    }
    struct Analysis {
        var integerGrouping: [Int], regularGrouping: Int, minInt: Int, scaling: Int, prefix: [Character]
        var fractionalGrouping: [Int], minFrac: Int, maxFrac: Int, minExp: Int, suffix: [Character], sub: [Character]
    }
    func analyse(_ parts: Parts) -> Analysis {
        func groupingPositions(_ part: [Character], toLeft: Bool) -> [Int] {
            var positions: [Int] = []
            var gp = part.firstIndex(of: groupSep)
            while let g = gp {
                let slice = toLeft ? Array(part[..<g]) : Array(part[g...])
                positions.append(slice.filter { family.contains($0) || $0 == digitChar }.count)
                gp = firstIndex(parts.integer, groupSep, from: g + 1)
            }
            return positions
        }
        let intPositions = groupingPositions(parts.integer, toLeft: false)
        var regular = 0
        if !intPositions.isEmpty {
            let factor = intPositions.dropFirst().reduce(intPositions[0], gcd)
            regular = factor
            for index in 1...intPositions.count where !intPositions.contains(index * factor) { regular = 0 }
        }
        let fracPositions = groupingPositions(parts.fractional, toLeft: true)
        var minInt = parts.integer.filter { family.contains($0) }.count
        let scaling = minInt
        var minFrac = parts.fractional.filter { family.contains($0) }.count
        var maxFrac = parts.fractional.filter { family.contains($0) || $0 == digitChar }.count
        let expPresent = parts.exponent != nil
        if minInt == 0 && maxFrac == 0 {
            if expPresent { minFrac = 1; maxFrac = 1 } else { minInt = 1 }
        }
        if expPresent && minInt == 0 && parts.integer.contains(digitChar) { minInt = 1 }
        if minInt == 0 && minFrac == 0 { minFrac = 1 }
        let minExp = parts.exponent?.filter { family.contains($0) }.count ?? 0
        return Analysis(integerGrouping: intPositions, regularGrouping: regular, minInt: minInt, scaling: scaling, prefix: parts.prefix,
                        fractionalGrouping: fracPositions, minFrac: minFrac, maxFrac: maxFrac, minExp: minExp, suffix: parts.suffix, sub: parts.sub)
    }
    for sub in subPictures where !sub.contains(where: { active.contains($0) && $0 != expSep }) { throw RawError("D3086") }
    let parts = subPictures.map(splitParts)
    for part in parts { try validate(part) }
    var variables = parts.map(analyse)
    let minusSign = props["minus-sign"] ?? "-"
    if variables.count == 1 {
        var neg = variables[0]
        neg.prefix = Array(minusSign) + neg.prefix
        variables.append(neg)
    }
    let pic = value >= 0 ? variables[0] : variables[1]
    var adjusted = value
    if pic.sub.contains(percent) { adjusted = value * 100 } else if pic.sub.contains(perMille) { adjusted = value * 1000 }
    var mantissa = adjusted
    var exponent: Int? = nil
    if pic.minExp != 0 {
        let maxM = pow(10, Double(pic.scaling)), minM = pow(10, Double(pic.scaling - 1))
        var e = 0
        mantissa = abs(mantissa)
        if mantissa != 0 && mantissa.isFinite {
            while mantissa < minM { mantissa *= 10; e -= 1 }
            while mantissa > maxM { mantissa /= 10; e += 1 }
        }
        exponent = e
    }
    let rounded = roundHalfEven(mantissa, pic.maxFrac)
    let zero = family[0]
    func makeString(_ v: Double, _ dp: Int) -> [Character] {
        var s = Array(String(format: "%.\(dp)f", abs(v)))
        if zero != "0" {
            s = s.map { c in
                if let d = c.wholeNumberValue, c.isASCII { return family[d] }
                return c
            }
        }
        return s
    }
    var sv = makeString(rounded, pic.maxFrac)
    if let d = sv.firstIndex(of: ".") { sv[d] = decimalSep } else { sv.append(decimalSep) }
    while sv.first == zero { sv.removeFirst() }
    while sv.last == zero { sv.removeLast() }
    var decimalPos = sv.firstIndex(of: decimalSep) ?? sv.count
    let padLeft = pic.minInt - decimalPos
    let padRight = pic.minFrac - (sv.count - decimalPos - 1)
    if padLeft > 0 { sv = Array(repeating: zero, count: padLeft) + sv }
    if padRight > 0 { sv += Array(repeating: zero, count: padRight) }
    decimalPos = sv.firstIndex(of: decimalSep) ?? sv.count
    if pic.regularGrouping > 0 {
        let groupCount = (decimalPos - 1) / pic.regularGrouping
        if groupCount >= 1 {
            for group in 1...groupCount {
                sv.insert(groupSep, at: decimalPos - group * pic.regularGrouping)
            }
        }
    } else {
        for pos in pic.integerGrouping {
            sv.insert(groupSep, at: max(decimalPos - pos, 0))
            decimalPos += 1
        }
    }
    decimalPos = sv.firstIndex(of: decimalSep) ?? sv.count
    for pos in pic.fractionalGrouping where pos + decimalPos + 1 <= sv.count {
        sv.insert(groupSep, at: pos + decimalPos + 1)
    }
    decimalPos = sv.firstIndex(of: decimalSep) ?? sv.count
    if decimalPos == sv.count - 1 { sv.removeLast() }
    if let exponent {
        var se = makeString(Double(exponent), 0)
        let pad = pic.minExp - se.count
        if pad > 0 { se = Array(repeating: zero, count: pad) + se }
        sv += [expSep] + (exponent < 0 ? Array(minusSign) : []) + se
    }
    return String(pic.prefix + sv + pic.suffix)
}
