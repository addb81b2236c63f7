import Foundation
import SLACore
import SLAProcess

/// Reads and validates a policy file, with the TOML parse first run in a child process: toml++
/// (inside TOMLKit) aborts on some malformed input (fuzzing keeps finding such inputs), and then it
/// costs the child, never slad or slactl. Each executable re-runs itself with `childArguments`,
/// which must end in `PolicyFile.runChild()`.
public enum PolicyFile {
    public struct ParserCrashed: Error, CustomStringConvertible {
        public let path: String
        public let signal: Int32
        public var description: String {
            "\(path): the TOML parser crashed on this file (signal \(signal)); it is refused. "
                + "Look for a broken header, key or value near the last edit."
        }
    }

    public static func load(_ path: String, childArguments: [String]) throws -> Policy {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        // Spawned by hand (see ChildProcess): Foundation's Process hung under slad.service's sandbox.
        if let child = try? ChildProcess.spawn(
            "/proc/self/exe", arguments: [CommandLine.arguments.first ?? "slad"] + childArguments,
            environment: ["SWIFT_BACKTRACE": "enable=no"], captureErrorOutput: false, ownProcessGroup: false)
        {
            child.writeInputAndClose(Array(data))
            if case .signaled(let signal) = child.wait() { throw ParserCrashed(path: path, signal: signal) }
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw PolicyErrors(errors: [
                PolicyError(file: path, line: nil, key: "", message: "the file is not UTF-8 text")
            ])
        }
        return try PolicyLoader.load(text: text, file: path)
    }

    /// The child's side: parses standard input; exit status 0 when valid, 1 when refused.
    public static func runChild() -> Int32 {
        signal(SIGPIPE, SIG_IGN)
        let text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        return (try? PolicyLoader.load(text: text, file: "-")) == nil ? 1 : 0
    }
}
