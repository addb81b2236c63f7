import Foundation
import Logging
import PostgresNIO
import SLAChain
import SLAProcess

/// A throw-away PostgreSQL cluster for the tests: Debian's `postgresql` binaries (`initdb`,
/// `pg_ctl`), a temporary data directory, a free port on 127.0.0.1, its Unix socket in the same
/// directory, password (SCRAM) logins over TCP. Run as the unprivileged `postgres` user when the
/// tests run as root (initdb refuses root). `stop()` stops it and removes the directory.
final class PostgresCluster: Sendable {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    let directory: String
    let port: Int
    let superuser = "postgres"
    let password: String
    /// The superuser's password, in a file (as `slactl hq --password-file` takes it).
    let passwordFile: String
    private let bin: String
    private let asPostgres: Bool

    /// One cluster for the whole test run, started at first use and stopped at exit.
    static let shared: Result<PostgresCluster, Failure> = {
        do {
            let cluster = try PostgresCluster(settings: ["fsync": "off", "max_connections": "60"])
            atexit { if case .success(let cluster) = PostgresCluster.shared { cluster.stop() } }
            return .success(cluster)
        } catch let error as Failure {
            return .failure(error)
        } catch {
            return .failure(Failure(description: "\(error)"))
        }
    }()

    static func started() throws -> PostgresCluster { try shared.get() }

    init(settings: [String: String] = [:]) throws {
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        guard let version = versions.compactMap(Int.init).max() else {
            throw Failure(description: "PostgreSQL is not installed: apt-get install postgresql (make deps)")
        }
        bin = "/usr/lib/postgresql/\(version)/bin"
        asPostgres = getuid() == 0
        var template = Array("/tmp/slad-pg-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw Failure(description: "mkdtemp failed") }
        directory = String(cString: made)
        port = try Self.freePort()
        password = UUID().uuidString
        passwordFile = directory + "/superuser.password"
        try Data((password + "\n").utf8).write(to: URL(fileURLWithPath: passwordFile))
        if asPostgres {
            guard let user = getpwnam("postgres") else {
                throw Failure(description: "no 'postgres' user to run the cluster as (the postgresql package makes it)")
            }
            chown(directory, user.pointee.pw_uid, user.pointee.pw_gid)
            chown(passwordFile, user.pointee.pw_uid, user.pointee.pw_gid)
        }
        try run(
            "\(bin)/initdb", "-D", "\(directory)/data", "-U", superuser, "--pwfile=\(passwordFile)",
            "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync")
        var conf = """

            listen_addresses = '127.0.0.1'
            port = \(port)
            unix_socket_directories = '\(directory)'

            """
        for (key, value) in settings.sorted(by: { $0.key < $1.key }) { conf += "\(key) = '\(value)'\n" }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: "\(directory)/data/postgresql.conf"))
        handle.seekToEndOfFile()
        handle.write(Data(conf.utf8))
        try handle.close()
        try run("\(bin)/pg_ctl", "-D", "\(directory)/data", "-l", "\(directory)/server.log", "-w", "-t", "60", "start")
    }

    /// `postgres://USER@127.0.0.1:PORT/DB`.
    func url(user: String? = nil, database: String = "postgres") -> String {
        "postgres://\(user ?? superuser)@127.0.0.1:\(port)/\(database)"
    }

    func connect(user: String? = nil, password: String? = nil, database: String = "postgres") async throws
        -> PostgresConnection
    {
        let configuration = PostgresConnection.Configuration(
            host: "127.0.0.1", port: port, username: user ?? superuser, password: password ?? self.password,
            database: database, tls: .disable)
        return try await PostgresConnection.connect(configuration: configuration, id: 1, logger: HQLog.quiet)
    }

    /// A new, empty database (one per test, so that tests do not see each other's rows).
    func createDatabase(_ name: String) async throws {
        let connection = try await connect()
        do {
            try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: HQLog.quiet)
        } catch {
            try? await connection.close()
            throw error
        }
        try await connection.close()
    }

    func stop() {
        _ = try? run("\(bin)/pg_ctl", "-D", "\(directory)/data", "-m", "fast", "-w", "stop")
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Kills the server at once (as a crash would), for tests of lost connections.
    func restart() throws {
        try run("\(bin)/pg_ctl", "-D", "\(directory)/data", "-m", "immediate", "-w", "stop")
        try run("\(bin)/pg_ctl", "-D", "\(directory)/data", "-l", "\(directory)/server.log", "-w", "-t", "60", "start")
    }

    /// Runs a command to its end (posix_spawn and waitpid: Foundation's Process waits for its
    /// descriptors to close, and `pg_ctl start` leaves the server holding them). What it wrote to
    /// standard error is read after it ended, without waiting for the server's copy to close.
    @discardableResult
    private func run(_ arguments: String...) throws -> String {
        let argv = asPostgres ? ["/usr/sbin/runuser", "-u", "postgres", "--"] + arguments : arguments
        let child: ChildProcess
        do {
            child = try ChildProcess.spawn(
                argv[0], arguments: argv, environment: ProcessInfo.processInfo.environment, captureErrorOutput: true,
                ownProcessGroup: false)
        } catch {
            throw Failure(description: "\(argv[0]): \(error)")
        }
        child.writeInputAndClose([])
        let termination = child.wait()
        var text = ""
        if let fd = child.errorOutput {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let count = read(fd, &buffer, buffer.count)
                guard count > 0 else { break }
                text += String(decoding: buffer[..<count], as: UTF8.self)
            }
            close(fd)
        }
        guard termination == .exited(0) else {
            let log = (try? String(contentsOfFile: "\(directory)/server.log", encoding: .utf8)) ?? ""
            throw Failure(description: "\(arguments.joined(separator: " ")) failed (\(termination)): \(text)\n\(log)")
        }
        return text
    }

    private static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw Failure(description: "cannot find a free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
