import ASL
import ASLJSON

/// `--http` and `--http-connections FILE`: real HTTP Tasks, off unless asked for.
extension RunOptions {
    /// The HTTP Task configuration these options ask for, or `nil` when HTTP Tasks stay off.
    func httpConfiguration() throws(MachineLoadError) -> HTTPTaskConfiguration? {
        guard http else { return nil }
        var configuration = HTTPTaskConfiguration()
        if let path = httpConnectionsPath {
            let bytes = try MachineLoader.readFile(path)
            do {
                configuration.connections = try HTTPConnection.connections(from: try JSONParser.parse(bytes))
            } catch {
                throw MachineLoadError(description: "\(path): \(error)", exitCode: ExitCode.dataError)
            }
        }
        return configuration
    }
}
