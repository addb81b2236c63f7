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

    /// A policy file that cannot be read at all, said plainly (`cannot read /etc/slad/policy.toml:
    /// no such file`) rather than as Foundation's `NSCocoaErrorDomain Code=260`.
    public struct Unreadable: Error, CustomStringConvertible {
        public let path: String
        public let reason: String
        public var description: String { "cannot read \(path): \(reason)" }

        init(path: String, errno code: Int32) {
            self.path = path
            switch code {
            case ENOENT: reason = "no such file"
            case EACCES, EPERM: reason = "permission denied"
            case EISDIR: reason = "it is a directory"
            case ENOTDIR: reason = "a part of the path is not a directory"
            case ELOOP: reason = "too many symbolic links"
            default: reason = String(cString: strerror(code)).lowercased()
            }
        }
    }

    public static func load(_ path: String, childArguments: [String]) throws -> Policy {
        let data = try contents(of: path)
        try parseInChild(data, path: path, childArguments: childArguments)
        guard let text = String(data: data, encoding: .utf8) else {
            throw PolicyErrors(errors: [
                PolicyError(file: path, line: nil, key: "", message: "the file is not UTF-8 text")
            ])
        }
        return try PolicyLoader.load(
            text: text, file: path, holidayFiles: HolidayFileReader.finder(policyPath: path),
            contactsFile: ContactsFile.reader(policyPath: path, childArguments: childArguments))
    }

    /// Runs the TOML parse of `data` in a child first: a crash of the parser costs the child.
    static func parseInChild(_ data: Data, path: String, childArguments: [String]) throws {
        // Spawned by hand (see ChildProcess): Foundation's Process hung under slad.service's sandbox.
        if let child = try? ChildProcess.spawn(
            "/proc/self/exe", arguments: [CommandLine.arguments.first ?? "slad"] + childArguments,
            environment: ["SWIFT_BACKTRACE": "enable=no"], captureErrorOutput: false, ownProcessGroup: false)
        {
            child.writeInputAndClose(Array(data))
            switch child.wait(seconds: 10) {
            case .signaled(let signal): throw ParserCrashed(path: path, signal: signal)
            case nil: throw ParserCrashed(path: path, signal: SIGKILL)  // hung: stopped after 10 s
            case .exited: break
            }
        }
    }

    /// The whole file, or why not (with the errno's meaning).
    static func contents(of path: String) throws -> Data {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Unreadable(path: path, errno: errno) }
        defer { close(fd) }
        var info = stat()
        if fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFDIR { throw Unreadable(path: path, errno: EISDIR) }
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count == 0 { return data }
            if count < 0 {
                if errno == EINTR { continue }
                throw Unreadable(path: path, errno: errno)
            }
            data.append(contentsOf: buffer[0..<count])
        }
    }

    /// The child's side: parses standard input; exit status 0 when valid, 1 when refused.
    public static func runChild() -> Int32 {
        signal(SIGPIPE, SIG_IGN)
        let text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        return (try? PolicyLoader.load(text: text, file: "-")) == nil ? 1 : 0
    }
}
