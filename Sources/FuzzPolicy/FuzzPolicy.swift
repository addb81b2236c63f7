// libFuzzer target: the policy parser and validator, then deadline arithmetic on whatever calendars
// a valid policy defines. Built by scripts/fuzz with -sanitize=fuzzer -D FUZZING; otherwise a stub.
import SLACore

#if FUZZING
    /// SwiftPM links an executable's entry point as `FuzzPolicy_main`: hand control to libFuzzer there.
    @_cdecl("FuzzPolicy_main")
    public func fuzzPolicyMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
        var count = argc
        var arguments = argv
        return LLVMFuzzerRunDriver(&count, &arguments) { data, size in fuzzPolicy(data!, size) }
    }

    @_silgen_name("LLVMFuzzerRunDriver")
    func LLVMFuzzerRunDriver(
        _ argc: UnsafeMutablePointer<CInt>,
        _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
        _ body: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
    ) -> CInt

    @_cdecl("LLVMFuzzerTestOneInput")
    public func fuzzPolicy(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
        let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
        guard let policy = try? PolicyLoader.load(text: text, file: "fuzz.toml") else { return 0 }
        let start = Instant(seconds: 1_780_000_000)
        for clock in policy.clocks {
            guard let calendar = policy.calendars[clock.calendar],
                let due = calendar.deadline(from: start, target: clock.target)
            else { continue }
            precondition(due >= start, "a deadline before its start")
            if let seconds = clock.target.openSeconds {
                precondition(calendar.openMillis(from: start, to: due) == seconds * 1000, "open time != target")
            }
        }
        return 0
    }
#else
    @main enum FuzzPolicyStub {
        static func main() { print("build with scripts/fuzz to fuzz the policy parser") }
    }
#endif
