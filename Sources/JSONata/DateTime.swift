import Foundation

func formatDateTime(_ millis: Double, picture: String?, timezone: String?) throws(RawError) -> String {
    let date = Date(timeIntervalSince1970: millis / 1000)
    let f = ISO8601DateFormatter()
    f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return f.string(from: date)
}

func parseDateTime(_ s: String, picture: String) throws(RawError) -> Double? {
    nil
}

func parseISO8601(_ s: String) -> Double? {
    nil
}
