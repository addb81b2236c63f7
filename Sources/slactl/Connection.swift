import ArgumentParser
import Foundation
import SLAAPI
import SLACommandLine

/// Options every daemon command takes, and how a command talks to slad: requests are SLAAPI's
/// request types, answers are decoded as SLAAPI's views.
struct ConnectionOptions: ParsableArguments {
    @Option(help: "slad's socket (default: $SLAD_SOCKET, else /run/slad/slad.sock).")
    var socket: String?

    @Option(help: "A remote slad, https://HOST:PORT (default: $SLAD_URL; else the socket).")
    var url: String?

    @Option(help: "With --url: a file holding the bearer token (slactl user token NAME); default $SLAD_TOKEN_FILE.")
    var tokenFile: String?

    @Option(
        help:
            "The CA certificate (PEM) to check the server with, instead of the system's: slad's with --url (HQ's with escalations --hq)."
    )
    var cacert: String?

    @Flag(help: "Print the daemon's JSON.")
    var json = false

    var client: UnixHTTPClient {
        UnixHTTPClient(
            socketPath: socket ?? ProcessInfo.processInfo.environment["SLAD_SOCKET"] ?? "/run/slad/slad.sock")
    }

    /// The remote slad of `--url` (or $SLAD_URL, unless `--socket` is given), with its token.
    func remote() throws -> RemoteHTTPClient? {
        let environment = ProcessInfo.processInfo.environment
        guard let text = url ?? (socket == nil ? environment["SLAD_URL"] : nil) else { return nil }
        guard let base = URL(string: text), let scheme = base.scheme, ["https", "http"].contains(scheme),
            base.host != nil
        else {
            throw ValidationError("--url must be https://HOST:PORT, such as https://slad.example:8470")
        }
        var token: String?
        if let path = tokenFile ?? environment["SLAD_TOKEN_FILE"] {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8),
                case let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines), !trimmed.isEmpty
            else {
                throw ValidationError("--token-file \(path): missing, unreadable or empty")
            }
            token = trimmed
        }
        return RemoteHTTPClient(base: base, token: token, caCertificate: cacert)
    }

    /// Sends a request and reads slad's answer as `Answer`. With `--json` it prints slad's own JSON
    /// instead and returns nil. A refusal exits 1 with slad's message, an unreachable slad exits 3.
    func call<Answer: Decodable>(
        _ method: String, _ path: String, sending request: (some Encodable)? = nil as Never?, answer: Answer.Type
    ) throws -> Answer? {
        var body: Data?
        if let request { body = try APIJSON.encode(request) }
        let reply = try send(method, path, body: body)
        if json {
            print(String(decoding: reply.body, as: UTF8.self), terminator: "")
            return nil
        }
        do {
            return try APIJSON.decode(Answer.self, from: reply.body)
        } catch {
            printError("slactl: cannot read slad's answer to \(method) \(path): \(error)")
            throw ExitStatus.refused
        }
    }

    /// GETs a body as slad renders it (CSV, HTML, JSON lines), for writing out unchanged.
    func fetch(_ path: String) throws -> Data {
        try send("GET", path, body: nil).body
    }

    /// One request; only 2xx answers come back.
    private func send(_ method: String, _ path: String, body: Data?) throws -> UnixHTTPClient.Reply {
        let reply: UnixHTTPClient.Reply
        do {
            if let remote = try remote() {
                reply = try remote.send(method, path, json: body)
            } else {
                reply = try client.send(method, path, json: body)
            }
        } catch let error as UnixHTTPClient.Unreachable {
            printError("slactl: \(error.description)")
            throw ExitStatus.unreachable
        }
        guard (200..<300).contains(reply.status) else {
            let refusal = try? APIJSON.decode(ErrorView.self, from: reply.body)
            let code = refusal?.code ?? "http_\(reply.status)"
            let message = refusal?.message ?? String(decoding: reply.body, as: UTF8.self)
            if json {
                print(String(decoding: reply.body, as: UTF8.self), terminator: "")
            } else {
                printError("slactl: \(message) [\(code), HTTP \(reply.status)]")
            }
            throw ExitStatus.refused
        }
        return reply
    }
}

func query(_ items: [String: String?]) -> String {
    let pairs = items.compactMap { key, value in
        value.map {
            "\(key)=\($0.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed.subtracting(["&", "+", "="])) ?? $0)"
        }
    }.sorted()
    return pairs.isEmpty ? "" : "?" + pairs.joined(separator: "&")
}

func pathComponent(_ text: String) -> String {
    text.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"])) ?? text
}
