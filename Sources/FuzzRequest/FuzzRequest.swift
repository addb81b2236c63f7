// libFuzzer target: API request bodies (JSON) decoded as the server decodes them, then applied to
// the engine on the default rules. Nothing a client sends may crash it. Built by scripts/fuzz.
import Foundation
import SLAAPI
import SLACore

#if FUZZING
    let policy = try! PolicyLoader.load(
        text: String(contentsOfFile: "config/policy.toml", encoding: .utf8), file: "config/policy.toml")

    /// SwiftPM links an executable's entry point as `FuzzRequest_main`: hand control to libFuzzer there.
    @_cdecl("FuzzRequest_main")
    public func fuzzRequestMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
        var count = argc
        var arguments = argv
        return LLVMFuzzerRunDriver(&count, &arguments) { data, size in fuzzRequest(data!, size) }
    }

    @_silgen_name("LLVMFuzzerRunDriver")
    func LLVMFuzzerRunDriver(
        _ argc: UnsafeMutablePointer<CInt>,
        _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
        _ body: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
    ) -> CInt

    @_cdecl("LLVMFuzzerTestOneInput")
    public func fuzzRequest(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
        let bytes = Data(bytes: data, count: size)
        let engine = Engine(policy: policy)
        var now = Instant(seconds: 1_780_000_000)
        // One JSON document per line: the first opens a case, the others are events on it.
        let lines = bytes.split(separator: UInt8(ascii: "\n"))
        for line in lines { checkFlatReader(line) }
        // As the server does: decoded, then checked (validate), then applied with its initial events.
        guard let first = lines.first,
            let opening = try? JSONDecoder().decode(OpenCaseRequest.self, from: Data(first)),
            (try? opening.validate()) != nil
        else { return 0 }
        let request = CaseOpening(
            id: "C-1", kind: opening.kind, store: opening.store, category: opening.category,
            channel: opening.channel, amount: opening.amount, openedAt: opening.openedAt ?? now)
        let initial = (opening.events ?? []).map { ($0.kind, $0.at ?? now) }
        guard var (record, _) = try? engine.open(request, events: initial, now: now) else { return 0 }
        for line in lines.dropFirst() {
            guard let event = try? JSONDecoder().decode(RecordEventRequest.self, from: Data(line)),
                (try? event.validate()) != nil
            else { continue }
            now = now.adding(seconds: 600)
            let before = record
            do {
                _ = try engine.record(event.kind, at: event.at ?? now, on: &record, now: now)
                // A recorded event brings the case up to `now`: nothing more may fall due at `now`.
                let again = engine.advance(&record, to: now)
                precondition(again.isEmpty, "advancing twice to the same instant emitted again: \(event) \(again)")
            } catch {
                precondition(record == before, "a refused event changed the case")
                _ = engine.advance(&record, to: now)
            }
        }
        return 0
    }

    /// The server's fast reader may decline a body, but what it reads must be what `JSONDecoder` reads:
    /// a body the decoder refuses (a field of the wrong type, an unknown key) the reader declines.
    func checkFlatReader(_ line: Data) {
        guard let flat = FlatJSONObject(line) else { return }
        if let fast = OpenCaseRequest(flat: flat) {
            precondition(fast == (try? JSONDecoder().decode(OpenCaseRequest.self, from: line)), "open: \(fast)")
        }
        if let fast = RecordEventRequest(flat: flat) {
            precondition(fast == (try? JSONDecoder().decode(RecordEventRequest.self, from: line)), "event: \(fast)")
        }
    }
#else
    @main enum FuzzRequestStub {
        static func main() { print("build with scripts/fuzz to fuzz request decoding") }
    }
#endif
