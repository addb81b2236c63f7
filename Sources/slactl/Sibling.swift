import Foundation
import SLACommandLine

/// Commands whose code lives in another program of the package (HQ's PostgreSQL client, the
/// delivery senders): slactl replaces itself with that program, so that every other command
/// starts without loading them. It is looked for beside slactl (a build folder), then in
/// `../libexec/slad` (an installation).
enum Sibling {
    static func exec(_ program: String, _ arguments: [String]) throws -> Never {
        let here = URL(fileURLWithPath: CommandLine.executablePath).resolvingSymlinksInPath()
            .deletingLastPathComponent()
        let candidates = [
            here.appendingPathComponent(program).path,
            here.deletingLastPathComponent().appendingPathComponent("libexec/slad/\(program)").path,
        ]
        guard let path = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            printError("slactl: cannot find \(program) (looked for \(candidates.joined(separator: " and ")))")
            throw ExitStatus.refused
        }
        fflush(nil)
        let argv = ([program] + arguments).map { strdup($0) } + [nil]
        execv(path, argv)
        printError("slactl: cannot run \(path): \(String(cString: strerror(errno)))")
        throw ExitStatus.refused
    }
}

extension CommandLine {
    /// This program's own file, as the kernel knows it (argv[0] may be a bare name found on PATH).
    fileprivate static var executablePath: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? arguments[0]
    }
}
