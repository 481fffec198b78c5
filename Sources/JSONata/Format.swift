import Foundation

func formatNumber(_ value: Double, _ picture: String, _ options: JObject?) throws(RawError) -> String {
    jsNumberString(value)
}

func formatInteger(_ value: Double, _ picture: String) throws(RawError) -> String {
    jsNumberString(value)
}

func parseInteger(_ s: String, _ picture: String) throws(RawError) -> Double? {
    Double(s)
}
