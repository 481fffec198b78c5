import Testing
@testable import WorkStealing

@Suite struct TimerWheelTests {
    /// A small deterministic generator so failures reproduce.
    struct SplitMix {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test func timerDueNowIsRejected() {
        var wheel = TimerQueue<Int>(startTick: 100)
        #expect(wheel.insert(1, tick: 100) == nil)
        #expect(wheel.insert(1, tick: 50) == nil)
        #expect(wheel.count == 0)
    }

    @Test func firesInDeadlineOrderAcrossLevels() {
        var wheel = TimerQueue<UInt64>(startTick: 0)
        let ticks: [UInt64] = [5000, 1, 63, 64, 65, 4095, 4096, 262_145, 2, 100_000_000]
        for t in ticks { #expect(wheel.insert(t, tick: t) != nil) }
        var fired: [UInt64] = []
        wheel.poll(now: 4096, into: &fired)
        #expect(fired == [1, 2, 63, 64, 65, 4095, 4096])
        fired = []
        wheel.poll(now: 200_000_000, into: &fired)
        #expect(fired == [5000, 262_145, 100_000_000])
        #expect(wheel.count == 0)
        #expect(wheel.nextExpiration() == nil)
    }

    /// Random inserts, cancels and polls against a sorted model: each timer fires exactly at the
    /// first poll whose `now` reaches its tick, never earlier, and cancelled ones never fire.
    @Test(arguments: [1 as UInt64, 2, 3, 4])
    func matchesModel(seed: UInt64) {
        var rng = SplitMix(state: seed)
        var wheel = TimerQueue<Int>(startTick: rng.next() % 1_000_000)
        var now = wheel.elapsed
        var model: [Int: UInt64] = [:]  // id → tick of live timers
        var keys: [Int: TimerWheel.Key] = [:]
        var nextID = 0
        for _ in 0..<3000 {
            switch rng.next() % 10 {
            case 0..<5:
                // Spread over all levels: up to 64^k ticks ahead for a random k.
                let span = UInt64(1) << (6 * (1 + rng.next() % 5))
                let tick = now + 1 + rng.next() % span
                let id = nextID
                nextID += 1
                if let key = wheel.insert(id, tick: tick) {
                    model[id] = tick
                    keys[id] = key
                }
            case 5:
                var generator = Generator(rng: &rng)
                if let id = model.keys.sorted().randomElement(using: &generator) {
                    #expect(wheel.cancel(keys[id]!) == id)
                    #expect(wheel.cancel(keys[id]!) == nil)
                    model[id] = nil
                }
            default:
                let step = rng.next() % 3 == 0 ? rng.next() % 300_000 : rng.next() % 100
                now += step
                var fired: [Int] = []
                wheel.poll(now: now, into: &fired)
                let due = model.filter { $0.value <= now }
                #expect(Set(fired) == Set(due.keys))
                #expect(fired.count == due.count)
                let firedTicks = fired.map { model[$0]! }
                #expect(firedTicks == firedTicks.sorted())
                for id in fired { model[id] = nil }
            }
            #expect(wheel.count == model.count)
            if let next = wheel.nextExpiration(), let earliest = model.values.min() {
                #expect(next.tick <= earliest)
            }
        }
        var fired: [Int] = []
        wheel.poll(now: .max / 2, into: &fired)
        #expect(Set(fired) == Set(model.keys))
    }

    @Test func cancelledTimersLeaveNoKeysBehind() {
        var wheel = TimerWheel(startTick: 0)
        var keys: [TimerWheel.Key] = []
        for i in 0..<5_000 { keys.append(wheel.insert(tick: 300_000 + UInt64(i % 7))!) }
        let survivor = wheel.insert(tick: 300_003)!
        for key in keys.shuffled() {
            let cancelled = wheel.cancel(key)
            #expect(cancelled)
        }
        #expect(wheel.keysInSlots == 1)
        #expect(wheel.count == 1)
        var fired: [UInt32] = []
        wheel.poll(now: 400_000, into: &fired)
        #expect(fired == [survivor.index])
        #expect(wheel.keysInSlots == 0)
        #expect(wheel.nextExpiration() == nil)
    }

    @Test func drainHandsBackLiveTimersOnly() {
        var wheel = TimerQueue<Int>(startTick: 0)
        let a = wheel.insert(1, tick: 10)!
        _ = wheel.insert(2, tick: 10_000)
        _ = wheel.cancel(a)
        #expect(wheel.drain() == [2])
        #expect(wheel.count == 0)
    }

    /// Adapts `SplitMix` to `RandomNumberGenerator` for `randomElement(using:)`.
    struct Generator: RandomNumberGenerator {
        var rng: SplitMix
        init(rng: inout SplitMix) {
            self.rng = SplitMix(state: rng.next())
        }
        mutating func next() -> UInt64 { rng.next() }
    }
}
