import BerthCore
import Testing

@Suite struct RFC3339Tests {
    @Test func formatsWholeSecondsAsGoDoes() {
        #expect(RFC3339.format(seconds: 1_700_000_000) == "2023-11-14T22:13:20Z")
        #expect(RFC3339.format(seconds: 1_700_000_000, nanoseconds: 120_000_000) == "2023-11-14T22:13:20.12Z")
        #expect(RFC3339.parts(seconds: 0, nanoseconds: 5) == ("1970-01-01", "00:00:00.000000005"))
    }

    @Test func parsesBackWhatItWrites() {
        for seconds in [Int64(-86_401), 0, 951_782_400, 1_700_000_000, 4_102_444_799] {
            for nanoseconds in [Int64(0), 1, 999_999_999] {
                let text = RFC3339.format(seconds: seconds, nanoseconds: nanoseconds)
                #expect(RFC3339.parse(text)?.seconds == seconds, "\(text)")
                #expect(RFC3339.parse(text)?.nanoseconds == nanoseconds, "\(text)")
            }
        }
        #expect(RFC3339.parse("2023-11-14T17:43:20-04:30")?.seconds == 1_700_000_000)
        #expect(RFC3339.parse("2023-11-14 22:13:20Z") == nil)
    }
}
