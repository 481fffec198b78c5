import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The `--progress` line on stderr: lines in and out, executions per second, failed, in flight.
///
/// On a terminal it is one line rewritten in place four times a second; otherwise a plain
/// line every two seconds.
// @unchecked: `timer` is set in init and only cancelled afterwards; the rest is Sendable.
final class ProgressReporter: @unchecked Sendable {
    private let timer: DispatchSourceTimer
    private let channel: OutputChannel
    private let terminal: Bool
    private struct Sample { var time: UInt64; var out: Int }
    private let last: Mutex<Sample>
    private let emitter: ResultEmitter
    /// Runs at each tick (e.g. rewriting the `--stats` file).
    private let onTick: @Sendable () -> Void

    init(emitter: ResultEmitter, channel: OutputChannel, terminal: Bool, onTick: @escaping @Sendable () -> Void = {}) {
        self.emitter = emitter
        self.onTick = onTick
        self.channel = channel
        self.terminal = terminal
        last = Mutex(Sample(time: monotonicNanoseconds(), out: 0))
        timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "aslx.progress"))
        let period: DispatchTimeInterval = terminal ? .milliseconds(250) : .seconds(2)
        timer.schedule(deadline: .now() + period, repeating: period)
        timer.setEventHandler { [self] in
            report(final: false)
            onTick()
        }
        timer.resume()
    }

    /// Prints the final numbers and stops.
    func stop() {
        timer.cancel()
        report(final: true)
    }

    private func report(final: Bool) {
        let now = monotonicNanoseconds()
        let linesIn = emitter.linesIn.load(ordering: .relaxed)
        let out = emitter.linesOut.load(ordering: .relaxed)
        let failed = emitter.failedCount.load(ordering: .relaxed)
        let inFlight = emitter.running.load(ordering: .relaxed)
        let rate = last.withLock { s -> Double in
            let dt = Double(now &- s.time) / 1e9
            let r = dt > 0 ? Double(out - s.out) / dt : 0
            s = Sample(time: now, out: out)
            return r
        }
        let text = "aslx: in \(linesIn)  out \(out)  \(Int(rate.rounded()))/s  failed \(failed)  in flight \(inFlight)"
        if terminal {
            channel.appendRaw(Array(("\r\u{1B}[K" + text + (final ? "\n" : "")).utf8))
        } else {
            channel.append(Array(text.utf8))
        }
        channel.flush()
    }
}
