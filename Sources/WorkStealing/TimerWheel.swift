/// Identifies a timer created by `WorkStealingPool.schedule(_:at:)`, for `cancel(_:)`.
public struct TimerHandle: Hashable, Sendable {
    @usableFromInline let index: UInt32
    @usableFromInline let generation: UInt32

    @usableFromInline init(index: UInt32, generation: UInt32) {
        self.index = index
        self.generation = generation
    }

    /// The handle of a timer whose deadline had already passed: its job was submitted at once.
    @usableFromInline static let alreadyDue = TimerHandle(index: .max, generation: 0)
}

/// A hierarchical timing wheel (tokio's `runtime/time/wheel`), not thread-safe: the pool keeps it
/// behind a mutex.
///
/// Time is counted in ticks of 1 ms. There are `levels` levels of 64 slots; a slot on level `l`
/// spans 64^l ticks, so the six levels cover 64^6 ms ≈ 2.2 years (later deadlines are clamped).
/// A timer goes on the level of the highest 6-bit digit in which its tick differs from `elapsed`.
/// When that slot's start time comes, its timers either fire or cascade to a lower level. Insert
/// and cancel are O(1); finding the next expiry scans at most six 64-bit occupancy words.
///
/// Timers live in a slab (`entries`) and the slots hold `(index, generation)` keys. Each entry
/// remembers where its key sits, so cancelling swap-removes the key from its slot in O(1):
/// cancelled timers leave nothing behind (an engine cancels a 5-minute deadline per execution,
/// and lazily skipped keys would pile up for those 5 minutes).
///
/// The wheel is deliberately not generic: it deals in slab indices, and `TimerQueue` keeps the
/// jobs. Its code is compiled once, here, and cascades in concrete code; only `TimerQueue` is
/// `@inlinable` and specialised for the client's job type. (A generic wheel running unspecialised
/// made every cascade step go through value witnesses: 100,000 timers due on one tick took ~70 ms.)
@usableFromInline
struct TimerWheel {
    static var levels: Int { 6 }
    static var slotsPerLevel: Int { 64 }
    /// 64^6 ticks: the furthest a deadline may lie beyond `elapsed`.
    static var maxDuration: UInt64 { 1 << 36 }

    @usableFromInline
    struct Key {
        @usableFromInline var index: UInt32
        @usableFromInline var generation: UInt32

        @usableFromInline init(index: UInt32, generation: UInt32) {
            self.index = index
            self.generation = generation
        }
    }

    private struct Entry {
        var tick: UInt64
        var generation: UInt32
        var live: Bool
        /// Where the key is: `slots[slot][position]` (valid while `live`).
        var slot: Int32 = -1
        var position: Int32 = -1
    }

    private var entries: [Entry] = []
    private var freeList: [UInt32] = []
    /// `levels * 64` slots, level-major.
    private var slots: [[Key]]
    /// One bit per occupied slot, per level.
    private var occupied: [UInt64]

    /// Every tick up to and including this one has been processed.
    @usableFromInline private(set) var elapsed: UInt64
    /// Live (not fired, not cancelled) timers.
    @usableFromInline private(set) var count = 0

    @usableFromInline
    init(startTick: UInt64) {
        elapsed = startTick
        slots = Array(repeating: [], count: Self.levels * Self.slotsPerLevel)
        occupied = Array(repeating: 0, count: Self.levels)
    }

    /// Adds a timer for `tick`. Returns nil when `tick <= elapsed`: the caller must run it now.
    /// The key's `index` is a slab slot in `0..<slabSize`, reused after the timer fires or is
    /// cancelled.
    @usableFromInline
    mutating func insert(tick: UInt64) -> Key? {
        if tick <= elapsed { return nil }
        let when = min(tick, elapsed + Self.maxDuration - 1)
        let index: UInt32
        if let reused = freeList.popLast() {
            index = reused
            entries[Int(index)].tick = when
            entries[Int(index)].live = true
        } else {
            index = UInt32(entries.count)
            entries.append(Entry(tick: when, generation: 0, live: true))
        }
        let key = Key(index: index, generation: entries[Int(index)].generation)
        place(key, tick: when)
        count += 1
        return key
    }

    /// Keys held by all slots (live timers only: cancelling removes its key).
    var keysInSlots: Int { slots.reduce(0) { $0 + $1.count } }

    /// Slab slots in use or free; every key index is below this.
    var slabSize: Int { entries.count }

    /// Removes a pending timer. False if it already fired or was cancelled.
    @usableFromInline
    mutating func cancel(_ key: Key) -> Bool {
        guard Int(key.index) < entries.count,
              entries[Int(key.index)].generation == key.generation,
              entries[Int(key.index)].live else { return false }
        unlink(key.index)
        release(key.index)
        return true
    }

    /// The tick at which `poll` next has work to do (a timer fires or a slot cascades), or nil if
    /// no slot is occupied. Never earlier than `elapsed`.
    @usableFromInline
    func nextExpiration() -> (level: Int, slot: Int, tick: UInt64)? {
        for level in 0..<Self.levels where occupied[level] != 0 {
            let slotRange = Self.slotRange(level)
            let levelRange = slotRange * 64
            let nowSlot = Int((elapsed / slotRange) % 64)
            let bits = occupied[level]
            let rotated = nowSlot == 0 ? bits : bits >> UInt64(nowSlot) | bits << UInt64(64 - nowSlot)
            let slot = (rotated.trailingZeroBitCount + nowSlot) % 64
            let levelStart = elapsed & ~(levelRange - 1)
            var tick = levelStart + UInt64(slot) * slotRange
            if tick < elapsed {
                // Only possible on the top level, for a clamped far deadline: it is in the next
                // turn of that level.
                tick += levelRange
            }
            return (level, slot, tick)
        }
        return nil
    }

    /// Advances to `now`, appending the slab index of every timer with a tick `<= now` to `fired`
    /// in deadline order (timers due on the same tick come out in no particular order). The
    /// indices are free for reuse once this returns.
    @usableFromInline
    mutating func poll(now: UInt64, into fired: inout [UInt32]) {
        while let expiration = nextExpiration(), expiration.tick <= now {
            let slotIndex = expiration.level * Self.slotsPerLevel + expiration.slot
            let keys = slots[slotIndex]
            slots[slotIndex] = []
            occupied[expiration.level] &= ~(1 << UInt64(expiration.slot))
            elapsed = expiration.tick
            for key in keys {
                let i = Int(key.index)
                guard entries[i].generation == key.generation, entries[i].live else { continue }
                if entries[i].tick <= expiration.tick {
                    fired.append(key.index)
                    release(key.index)
                } else {
                    place(key, tick: entries[i].tick)
                }
            }
        }
        if now > elapsed { elapsed = now }
    }

    /// Removes every pending timer and returns their slab indices (shutdown).
    @usableFromInline
    mutating func drain() -> [UInt32] {
        var jobs: [UInt32] = []
        for i in entries.indices where entries[i].live {
            jobs.append(UInt32(i))
            release(UInt32(i))
        }
        for i in slots.indices { slots[i] = [] }
        for l in occupied.indices { occupied[l] = 0 }
        return jobs
    }

    // MARK: - Private

    private static func slotRange(_ level: Int) -> UInt64 { 1 << UInt64(6 * level) }

    private static func level(elapsed: UInt64, when: UInt64) -> Int {
        var masked = (elapsed ^ when) | 63
        if masked >= maxDuration { masked = maxDuration - 1 }
        let significant = 63 - masked.leadingZeroBitCount
        return significant / 6
    }

    private mutating func place(_ key: Key, tick: UInt64) {
        let level = Self.level(elapsed: elapsed, when: tick)
        let slot = Int((tick >> UInt64(6 * level)) % 64)
        let slotIndex = level * Self.slotsPerLevel + slot
        entries[Int(key.index)].slot = Int32(slotIndex)
        entries[Int(key.index)].position = Int32(slots[slotIndex].count)
        slots[slotIndex].append(key)
        occupied[level] |= 1 << UInt64(slot)
    }

    /// Removes a live entry's key from its slot (swap with the slot's last key).
    private mutating func unlink(_ index: UInt32) {
        let slotIndex = Int(entries[Int(index)].slot)
        let position = Int(entries[Int(index)].position)
        let last = slots[slotIndex].removeLast()
        if position < slots[slotIndex].count {
            slots[slotIndex][position] = last
            entries[Int(last.index)].position = Int32(position)
        }
        if slots[slotIndex].isEmpty {
            occupied[slotIndex / Self.slotsPerLevel] &= ~(1 << UInt64(slotIndex % Self.slotsPerLevel))
        }
    }

    private mutating func release(_ index: UInt32) {
        entries[Int(index)].live = false
        entries[Int(index)].generation &+= 1
        freeList.append(index)
        count -= 1
    }
}

/// A `TimerWheel` plus the jobs of its timers, indexed by slab slot.
@usableFromInline
struct TimerQueue<Job> {
    @usableFromInline var wheel: TimerWheel
    @usableFromInline var jobs: [Job?] = []

    @usableFromInline
    init(startTick: UInt64) {
        wheel = TimerWheel(startTick: startTick)
    }

    @inlinable var count: Int { wheel.count }
    var elapsed: UInt64 { wheel.elapsed }
    @inlinable func nextExpiration() -> (level: Int, slot: Int, tick: UInt64)? { wheel.nextExpiration() }

    /// Adds `job` to run at `tick`; nil (job not kept) if `tick` is not in the future.
    @inlinable
    mutating func insert(_ job: Job, tick: UInt64) -> TimerWheel.Key? {
        guard let key = wheel.insert(tick: tick) else { return nil }
        let index = Int(key.index)
        if index == jobs.count { jobs.append(job) } else { jobs[index] = job }
        return key
    }

    /// Removes a pending timer and returns its job; nil if it already fired or was cancelled.
    @inlinable
    mutating func cancel(_ key: TimerWheel.Key) -> Job? {
        guard wheel.cancel(key) else { return nil }
        return take(key.index)
    }

    /// Fires every timer due by `now`, appending their jobs to `fired` in deadline order.
    @inlinable
    mutating func poll(now: UInt64, into fired: inout [Job]) {
        var indices: [UInt32] = []
        wheel.poll(now: now, into: &indices)
        fired.reserveCapacity(fired.count + indices.count)
        for index in indices { fired.append(take(index)) }
    }

    /// Removes every pending timer's job.
    @usableFromInline
    mutating func drain() -> [Job] {
        wheel.drain().map { take($0) }
    }

    @inlinable
    mutating func take(_ index: UInt32) -> Job {
        let job = jobs[Int(index)]!
        jobs[Int(index)] = nil
        return job
    }
}
