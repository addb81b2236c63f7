import ArgumentParser
import Foundation
import SLAAPI
import SLACommandLine

/// `slactl user ...`: accounts and API tokens, through slad's admin routes (`/v1/users`), so they
/// work over the socket as root or a member of group slad, or remotely with an admin's token.
struct UserCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user", abstract: "Manage the people who use slad, their roles, stores and API tokens.",
        subcommands: [
            UserAdd.self, UserListing.self, UserSet.self, UserDisable.self, UserEnable.self, UserPasswd.self,
            UserToken.self, UserTokens.self, UserRevokeToken.self,
        ])
}

struct UserAdd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Add a user: staff, manager (their stores), hq or admin (every store).")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The user name: lowercase letters, digits, '.', '-', '_'.") var name: String
    @Option(help: "staff, manager, hq or admin.") var role: String
    @Option(help: "Their stores, such as S01,S02 (staff and managers).") var stores: String?
    @Option(help: "A Unix uid that acts as this user on the socket.") var uid: Int64?
    @Flag(help: "Read a password for console sign-in from standard input (no echo on a terminal).")
    var passwordStdin = false

    func run() throws {
        let password = passwordStdin ? try readSecret(prompt: "password for \(name): ") : nil
        let request = NewUserRequest(name: name, role: role, stores: stores, uid: uid, password: password)
        if let user = try connection.call("POST", "/v1/users", sending: request, answer: UserView.self) {
            print("user \(user.name) added: \(user.role) of \(user.stores)" + (user.uid.map { ", uid \($0)" } ?? ""))
        }
    }
}

struct UserListing: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the users (never a password).")

    @OptionGroup var connection: ConnectionOptions

    func run() throws {
        guard let list = try connection.call("GET", "/v1/users", answer: UserList.self) else { return }
        print(
            TextTable.render(
                header: ["NAME", "ROLE", "STORES", "UID", "PASSWORD", "STATE"],
                rows: list.users.map { user in
                    [
                        user.name, user.role, user.stores, user.uid.map(String.init) ?? "-",
                        user.hasPassword ? "set" : "-", user.disabledAt.map { "disabled \($0)" } ?? "enabled",
                    ]
                }))
    }
}

struct UserSet: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set", abstract: "Change a user's role, stores or uid (their console sessions end).")

    @OptionGroup var connection: ConnectionOptions
    @Argument var name: String
    @Option(help: "staff, manager, hq or admin.") var role: String?
    @Option(help: "Their stores, such as S01,S02.") var stores: String?
    @Option(help: "A Unix uid that acts as this user on the socket.") var uid: Int64?
    @Flag(help: "Remove the uid mapping.") var noUid = false

    func run() throws {
        let request = UserChangeRequest(role: role, stores: stores, uid: uid, clearUID: noUid ? true : nil)
        if let user = try connection.call(
            "POST", "/v1/users/\(pathComponent(name))", sending: request, answer: UserView.self)
        {
            print("user \(user.name): \(user.role) of \(user.stores)" + (user.uid.map { ", uid \($0)" } ?? ""))
        }
    }
}

struct UserDisable: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "disable", abstract: "Disable a user: their tokens and sessions stop working at once.")

    @OptionGroup var connection: ConnectionOptions
    @Argument var name: String

    func run() throws {
        if try connection.call("POST", "/v1/users/\(pathComponent(name))/disable", answer: UserView.self) != nil {
            print("user \(name) disabled")
        }
    }
}

struct UserEnable: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "enable", abstract: "Enable a disabled user.")

    @OptionGroup var connection: ConnectionOptions
    @Argument var name: String

    func run() throws {
        if try connection.call("POST", "/v1/users/\(pathComponent(name))/enable", answer: UserView.self) != nil {
            print("user \(name) enabled")
        }
    }
}

struct UserPasswd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "passwd", abstract: "Set a user's password from standard input (their sessions end).")

    @OptionGroup var connection: ConnectionOptions
    @Argument var name: String

    func run() throws {
        let request = PasswordRequest(password: try readSecret(prompt: "new password for \(name): "))
        struct Changed: Decodable { var changed: Bool }
        if try connection.call(
            "POST", "/v1/users/\(pathComponent(name))/password", sending: request, answer: Changed.self) != nil
        {
            print("password of \(name) changed")
        }
    }
}

struct UserToken: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Issue an API token for a user; it is printed once, keep it.")

    @OptionGroup var connection: ConnectionOptions
    @Argument var name: String
    @Option(help: "What the token is for, such as 'POS till 3'.") var label: String?

    func run() throws {
        if let issued = try connection.call(
            "POST", "/v1/users/\(pathComponent(name))/tokens", sending: TokenRequest(label: label),
            answer: TokenView.self)
        {
            printError("token \(issued.id) for \(issued.user) (revoke: slactl user revoke-token \(issued.id)):")
            print(issued.token ?? "-")
        }
    }
}

struct UserTokens: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokens", abstract: "List API tokens (ids and labels; never the secrets).")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Only this user's.") var name: String?

    func run() throws {
        guard let list = try connection.call("GET", "/v1/tokens" + query(["user": name]), answer: TokenList.self)
        else { return }
        print(
            TextTable.render(
                header: ["ID", "USER", "LABEL", "CREATED", "STATE"],
                rows: list.tokens.map { token in
                    [
                        "\(token.id)", token.user, token.label ?? "-", token.createdAt,
                        token.revokedAt.map { "revoked \($0)" } ?? "active",
                    ]
                }))
    }
}

struct UserRevokeToken: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke-token", abstract: "Revoke an API token by id: it stops working at once.")

    @OptionGroup var connection: ConnectionOptions
    @Argument var id: Int64

    func run() throws {
        if let token = try connection.call("POST", "/v1/tokens/\(id)/revoke", answer: TokenView.self) {
            print("token \(token.id) of \(token.user) revoked")
        }
    }
}

/// A secret from standard input: prompted without echo on a terminal, else the first line.
func readSecret(prompt: String) throws -> String {
    let secret: String?
    if isatty(STDIN_FILENO) == 1 {
        secret = getpass(prompt).map { String(cString: $0) }
    } else {
        secret = readLine(strippingNewline: true)
    }
    guard let secret, !secret.isEmpty else {
        printError("slactl: no password on standard input")
        throw ExitStatus.usage
    }
    return secret
}
