import ASL
import Testing

/// `WallClock.iso8601` against instants whose UTC dates were computed independently (Python's
/// `datetime.fromtimestamp(ms / 1000, tz=timezone.utc)`; year 0 by hand: 366 days before 0001-01-01).
@Suite struct WallClockTests {
    @Test(arguments: [
        (0, "1970-01-01T00:00:00.000Z"),
        (-1, "1969-12-31T23:59:59.999Z"),
        (-1000, "1969-12-31T23:59:59.000Z"),
        (-1001, "1969-12-31T23:59:58.999Z"),
        (1_700_000_000_120, "2023-11-14T22:13:20.120Z"),
        (951_782_400_000, "2000-02-29T00:00:00.000Z"),
        (253_402_300_799_999, "9999-12-31T23:59:59.999Z"),
        (-62_135_596_800_000, "0001-01-01T00:00:00.000Z"),
        (-62_167_219_200_000, "0000-01-01T00:00:00.000Z"),
    ] as [(Int64, String)])
    func iso8601(_ milliseconds: Int64, _ expected: String) {
        #expect(WallClock.iso8601(milliseconds: milliseconds) == expected)
    }
}
