@testable import ASL
import ASLJSON
import Dispatch
import Foundation
import Synchronization
import Testing

@Suite("Admission: running slots and the memory budget")
struct AdmissionTests {
    @Test("running slots: full means tryEnter fails; leave lets one in")
    func slots() {
        let admission = Admission(running: 2)
        #expect(admission.tryEnter())
        #expect(admission.tryEnter())
        #expect(!admission.tryEnter())
        admission.leave()
        #expect(admission.tryEnter())
        #expect(!admission.tryEnter())
    }

    @Test("a blocked enterBlocking gets the slot a leave gives back")
    func blockedEnter() {
        let admission = Admission(running: 1)
        #expect(admission.tryEnter())
        let entered = Flag()
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            admission.enterBlocking()
            entered.set()
            done.signal()
        }
        #expect(eventually { admission.waiting == 1 })
        #expect(!entered.isSet)
        admission.leave()
        #expect(done.wait(timeout: .now() + 5) == .success)
        #expect(!admission.tryEnter())
    }

    @Test("a group of slots is taken at once: the taker wakes when all of them are free, and nobody overtakes it")
    func groupEnter() {
        let admission = Admission(running: 4)
        #expect(admission.tryEnter(count: 2))
        #expect(!admission.tryEnter(count: 3))
        let entered = Flag()
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            admission.enterBlocking(count: 3)
            entered.set()
            done.signal()
        }
        #expect(eventually { admission.waiting == 1 })
        #expect(!entered.isSet)
        #expect(!admission.tryEnter())  // 2 free, but the group waits ahead
        admission.leave()  // 3 free: enough
        #expect(done.wait(timeout: .now() + 5) == .success)
        #expect(!admission.tryEnter())
        admission.leave(count: 4)
        #expect(admission.tryEnter(count: 4))
    }

    @Test("memory: takers block while the budget is spent and wake once an eighth is free")
    func memory() {
        let admission = Admission(running: 1, memoryBytes: 800)
        admission.takeMemory(500)
        #expect(admission.memoryHasRoom)
        admission.takeMemory(500)  // overshoots: one taking may, alone
        #expect(!admission.memoryHasRoom)
        #expect(admission.memoryHeld == 1000)
        let took = Flag()
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            admission.takeMemory(10)
            took.set()
            done.signal()
        }
        #expect(eventually { admission.memoryWaiting })
        #expect(!took.isSet)
        admission.releaseMemory(250)  // 750 held: under the limit but less than an eighth free
        usleep(20_000)
        #expect(!took.isSet)
        admission.releaseMemory(100)  // 650 held: 150 ≥ 800 / 8 free
        #expect(done.wait(timeout: .now() + 5) == .success)
        #expect(admission.memoryHeld == 660)
    }
}

@Suite("EngineWorker: executions run on the lending worker")
struct EngineWorkerTests {
    @Test("an execution that does not suspend completes before start returns; one that waits completes later")
    func inline() async throws {
        let pass = try StateMachine(definition: #"{"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}"#, name: "p")
        let wait = try StateMachine(definition: #"{"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 1, "End": true}}}"#, name: "w")
        var configuration = EngineConfiguration()
        configuration.clock = .virtual
        configuration.workers = 1
        let engine = Engine(configuration)
        let log = Log()
        await withCheckedContinuation { (all: CheckedContinuation<Void, Never>) in
            engine.onWorker { worker in
                for (machine, name) in [(pass, "pass"), (wait, "wait")] {
                    let returned = Flag()
                    worker.start(machine, input: ["a": 1], name: name, admitted: false) { outcome in
                        let count = log.add("\(name) \(outcome.status.rawValue) \(returned.isSet ? "later" : "inline")")
                        if count == 2 { all.resume() }
                    }
                    returned.set()
                }
            }
        }
        #expect(log.entries.sorted() == ["pass SUCCEEDED inline", "wait SUCCEEDED later"])
    }
}

/// Polls `condition` for up to 5 s.
private func eventually(_ condition: () -> Bool) -> Bool {
    for _ in 0..<500 {
        if condition() { return true }
        usleep(10_000)
    }
    return condition()
}

private final class Flag: Sendable {
    // Sequentially consistent: the tests read it from another thread with no other synchronisation.
    private let value = Atomic<Bool>(false)
    func set() { value.store(true, ordering: .sequentiallyConsistent) }
    var isSet: Bool { value.load(ordering: .sequentiallyConsistent) }
}

private final class Log: Sendable {
    private let lines = Mutex<[String]>([])
    /// Appends; returns how many entries there are now.
    func add(_ line: String) -> Int { lines.withLock { $0.append(line); return $0.count } }
    var entries: [String] { lines.withLock { $0 } }
}
