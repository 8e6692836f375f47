import Foundation
import Testing

@testable import ContentStore

@Suite struct TimestampTests {
    @Test func formatsLikeGoMarshalText() {
        #expect(Timestamp.rfc3339(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00Z")
        #expect(Timestamp.rfc3339(Date(timeIntervalSince1970: 1_700_000_000.5)) == "2023-11-14T22:13:20.5Z")
        #expect(Timestamp.rfc3339(Timestamp.date(seconds: 951_782_400, nanoseconds: 123_456_000)) == "2000-02-29T00:00:00.123456Z")
        #expect(Timestamp.rfc3339(Date(timeIntervalSince1970: -1)) == "1969-12-31T23:59:59Z")
    }

    @Test func parsesWhatGoWrites() {
        let cases: [(String, Double)] = [
            ("1970-01-01T00:00:00Z", 0),
            ("2023-11-14T22:13:20.5Z", 1_700_000_000.5),
            ("2023-11-14T23:13:20.123456789+01:00", 1_700_000_000.123456789),
            ("2023-11-14T17:43:20-04:30", 1_700_000_000),
            ("2024-02-29T12:00:00.000001Z", 1_709_208_000.000001),
        ]
        for (text, expected) in cases {
            let parsed = Timestamp.parseRFC3339(text)
            #expect(parsed.map { abs($0.timeIntervalSince1970 - expected) < 1e-6 } == true, "\(text)")
        }
        for bad in ["", "2023-11-14", "2023-11-14T22:13:20", "2023-13-14T22:13:20Z", "2023-11-14T22:13:20.Z",
                    "2023-11-14T22:13:20.1234567891Z", "2023-11-14T22:13:20+0100", "2023-11-14T22:13:20Zjunk"] {
            #expect(Timestamp.parseRFC3339(bad) == nil, "\(bad)")
        }
    }

    @Test func ownTimestampsRoundTripExactly() {
        for _ in 0..<1000 {
            let now = Timestamp.now()
            #expect(Timestamp.parseRFC3339(Timestamp.rfc3339(now)) == now)
        }
    }

    @Test func goDurationAndTimeStrings() {
        #expect(Timestamp.goDuration(nanoseconds: 0) == "0s")
        #expect(Timestamp.goDuration(nanoseconds: 999) == "999ns")
        #expect(Timestamp.goDuration(nanoseconds: 1500) == "1.5µs")
        #expect(Timestamp.goDuration(nanoseconds: 1_500_000) == "1.5ms")
        #expect(Timestamp.goDuration(nanoseconds: 1_000_000_000) == "1s")
        #expect(Timestamp.goDuration(nanoseconds: 61_500_000_000) == "1m1.5s")
        #expect(Timestamp.goDuration(nanoseconds: 3_723_000_000_000) == "1h2m3s")
        #expect(Timestamp.goDuration(nanoseconds: -2_000_000) == "-2ms")
        #expect(Timestamp.goString(Date(timeIntervalSince1970: 1_700_000_000.25)) == "2023-11-14 22:13:20.25 +0000 UTC")
    }
}
