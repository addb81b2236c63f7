/// A refusal of a change to users or tokens, said so that an admin can fix the command.
public enum AccountError: Error, Equatable, CustomStringConvertible {
    case badName(String)
    case duplicateName(String)
    case unknownUser(String)
    case uidTaken(uid: Int64, by: String)
    case unknownToken(Int64)
    case badStores(String)
    case badPassword(String)

    public var code: String {
        switch self {
        case .badName: "bad_user_name"
        case .duplicateName: "user_exists"
        case .unknownUser: "unknown_user"
        case .uidTaken: "uid_taken"
        case .unknownToken: "unknown_token"
        case .badStores: "bad_stores"
        case .badPassword: "bad_password"
        }
    }

    public var description: String {
        switch self {
        case .badName(let name):
            "bad user name '\(name)': 1 to 64 lowercase letters, digits, '.', '-' or '_', starting with a letter"
        case .duplicateName(let name): "a user named '\(name)' exists already"
        case .unknownUser(let name): "no user '\(name)'"
        case .uidTaken(let uid, let name): "uid \(uid) is mapped to user '\(name)' already"
        case .unknownToken(let id): "no token \(id)"
        case .badStores(let text):
            "bad stores '\(text)': store ids separated by commas, such as S01,S02 (letters, digits, '-', '_', '.')"
        case .badPassword(let why): why
        }
    }

    /// `amy`, `li.wei`, `store-s01`: what a user name may be (no spaces, nothing a log or a
    /// header could be confused by).
    public static func isValidName(_ name: String) -> Bool {
        guard let first = name.utf8.first, (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first),
            name.utf8.count <= 64
        else { return false }
        return name.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
        }
    }
}
