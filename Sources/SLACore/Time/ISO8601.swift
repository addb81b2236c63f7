/// Strict ISO 8601 date-times with an explicit offset, as the API and the CLI use them:
/// `2026-11-24T09:05:00+08:00`, `2026-11-24T01:05:00Z`, fractions of a second allowed.
public enum ISO8601 {
    public static func parse(_ text: String) -> Instant? {
        let chars = Array(text.utf8)
        guard chars.count >= 17, let date = CivilDate(iso: String(decoding: chars[0..<10], as: UTF8.self)),
            chars[10] == UInt8(ascii: "T") || chars[10] == UInt8(ascii: " ")
        else { return nil }
        var index = 11
        func number(_ width: Int) -> Int? {
            guard index + width <= chars.count else { return nil }
            var value = 0
            for char in chars[index..<index + width] {
                guard char >= 48, char <= 57 else { return nil }
                value = value * 10 + Int(char - 48)
            }
            index += width
            return value
        }
        func expect(_ ascii: Unicode.Scalar) -> Bool {
            guard index < chars.count, chars[index] == UInt8(ascii: ascii) else { return false }
            index += 1
            return true
        }
        guard let hour = number(2), hour < 24, expect(":"), let minute = number(2), minute < 60 else {
            return nil
        }
        var second = 0
        var millis = 0
        if expect(":") {
            guard let value = number(2), value < 60 else { return nil }
            second = value
            if expect(".") {
                var digits = 0
                while index < chars.count, chars[index] >= 48, chars[index] <= 57 {
                    if digits < 3 { millis = millis * 10 + Int(chars[index] - 48) }
                    digits += 1
                    index += 1
                }
                guard digits > 0 else { return nil }
                for _ in digits..<max(digits, 3) { millis *= 10 }
            }
        }
        var offset = 0
        if expect("Z") || expect("z") {
            offset = 0
        } else {
            let sign: Int
            if expect("+") {
                sign = 1
            } else if expect("-") {
                sign = -1
            } else {
                return nil
            }
            guard let offsetHours = number(2), offsetHours < 24, expect(":") || true,
                let offsetMinutes = number(2), offsetMinutes < 60
            else { return nil }
            offset = sign * (offsetHours * 3600 + offsetMinutes * 60)
        }
        guard index == chars.count else { return nil }
        let localSeconds = Int64(date.dayNumber) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
        return Instant(millis: (localSeconds - Int64(offset)) * 1000 + Int64(millis))
    }

    /// Formats to the second (milliseconds only when present) with the given UTC offset.
    public static func format(_ instant: Instant, offsetSeconds: Int) -> String {
        // Digit by digit into one buffer: every answer of the API formats a dozen instants.
        let local = instant.seconds + Int64(offsetSeconds)
        let day = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
        let secondOfDay = Int(local - day * 86_400)
        let (year, month, dayOfMonth) = CivilDate(dayNumber: Int(day)).components
        var text: [UInt8] = []
        text.reserveCapacity(32)
        func two(_ value: Int) {
            text.append(UInt8(48 + value / 10))
            text.append(UInt8(48 + value % 10))
        }
        func char(_ ascii: Unicode.Scalar) { text.append(UInt8(ascii: ascii)) }
        if (0...9999).contains(year) {
            two(year / 100)
            two(year % 100)
        } else {
            text += "\(year)".utf8
        }
        char("-")
        two(month)
        char("-")
        two(dayOfMonth)
        char("T")
        two(secondOfDay / 3600)
        char(":")
        two(secondOfDay / 60 % 60)
        char(":")
        two(secondOfDay % 60)
        let fraction = Int(instant.millis - instant.seconds * 1000)
        if fraction != 0 {
            char(".")
            text.append(UInt8(48 + fraction / 100))
            two(fraction % 100)
        }
        if offsetSeconds == 0 {
            char("Z")
        } else {
            let magnitude = abs(offsetSeconds)
            char(offsetSeconds < 0 ? "-" : "+")
            two(magnitude / 3600)
            char(":")
            two(magnitude / 60 % 60)
        }
        return String(decoding: text, as: UTF8.self)
    }
}
