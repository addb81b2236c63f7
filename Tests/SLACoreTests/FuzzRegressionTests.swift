import Foundation
import SLACore
import Testing

/// Every input the fuzzers ever crashed on (Tests/fuzz/regressions) and the seed corpus must load
/// or be refused with errors: never crash.
@Suite struct FuzzRegressionTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()

    static func files(_ folder: String) -> [URL] {
        let url = root.appendingPathComponent(folder)
        return ((try? FileManager.default.contentsOfDirectory(at: url, includingPropertiesForKeys: nil)) ?? [])
            .sorted { $0.path < $1.path }
    }

    @Test func crashInputsAreRefusedCleanly() throws {
        let inputs = Self.files("fuzz/regressions").filter { $0.lastPathComponent.hasPrefix("policy-") }
        #expect(inputs.count >= 4)
        for input in inputs {
            let text = String(decoding: try Data(contentsOf: input), as: UTF8.self)
            #expect(throws: PolicyErrors.self) { try PolicyLoader.load(text: text, file: input.lastPathComponent) }
        }
    }

    @Test func aNonASCIIKeyIsRefusedWithItsLine() {
        do {
            _ = try PolicyLoader.load(text: "[[tier]]\nid = \"a\"\n\n[[\u{FFFD}tier]]\nid = \"b\"\n", file: "p.toml")
            Issue.record("must be refused")
        } catch {
            #expect(error.description.hasPrefix("p.toml:4: a non-ASCII character outside a string"))
        }
        // Non-ASCII in strings and comments is fine: titles are written in Chinese.
        #expect(TOMLPrecheck.firstNonASCIIOutsideStrings("title = \"服务台\" # 值班主管\nx = '''\n店长\n'''\n") == nil)
        #expect(TOMLPrecheck.firstNonASCIIOutsideStrings("a = \"x\\\"\"\nb = 1\n店 = 2\n") == 3)
    }

    @Test func aHeaderBrokenOverLinesIsRefusedWithItsLine() {
        #expect(TOMLPrecheck.check("[[tier]]\nid = \"a\"\n[\ndefaults]\n")?.line == 3)
        #expect(TOMLPrecheck.check("[calendar.\"my store\"]\nzone = \"UTC\"\n[[tier]] # ok\n") == nil)
        // Arrays over several lines are values, not headers.
        #expect(TOMLPrecheck.check("closed = [\n  \"2026-02-16\",\n  [1, 2],\n]\n[x]\n") == nil)
        #expect(TOMLPrecheck.check("[a.b\n") != nil)
        #expect(TOMLPrecheck.check("[[a]\n") != nil)
        #expect(TOMLPrecheck.check("[.a]\n")?.line == 1)
        #expect(TOMLPrecheck.check("x = 1\n.a = 2\n")?.line == 2)
        #expect(TOMLPrecheck.check("a..b = 2\n") != nil)
        #expect(TOMLPrecheck.check("w = { .x = 1 }\n") != nil)
        #expect(TOMLPrecheck.check("w = { x = 1, y.z = \"]\" }\nv = {}\n") == nil)
    }

    @Test func theSeedCorpusLoadsOrIsRefused() throws {
        for input in Self.files("fuzz/corpus/policy") {
            let text = String(decoding: try Data(contentsOf: input), as: UTF8.self)
            _ = try? PolicyLoader.load(text: text, file: input.lastPathComponent)
        }
    }
}
