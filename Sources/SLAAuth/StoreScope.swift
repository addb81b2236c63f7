import Foundation

/// The stores a person's rights apply to.
public enum StoreScope: Sendable, Hashable {
    case all
    case only(Set<String>)

    public func contains(_ store: String) -> Bool {
        switch self {
        case .all: true
        case .only(let stores): stores.contains(store)
        }
    }

    /// The stores, or nil for every store: what a store query filters on.
    public var stores: Set<String>? {
        switch self {
        case .all: nil
        case .only(let stores): stores
        }
    }

    /// `S01,S02` as kept in the `users.stores` column (`*` for every store), sorted.
    public var text: String {
        switch self {
        case .all: "*"
        case .only(let stores): stores.sorted().joined(separator: ",")
        }
    }

    /// Reads `S01,S02` or `*`; spaces around ids and empty items are dropped. Nil when an id is
    /// not a store id (letters, digits, `-`, `_`, `.`, 1 to 64 characters).
    public init?(text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed == "*" {
            self = .all
            return
        }
        var stores = Set<String>()
        for item in trimmed.split(separator: ",") {
            let id = item.trimmingCharacters(in: .whitespaces)
            guard !id.isEmpty else { continue }
            guard Self.isStoreID(id) else { return nil }
            stores.insert(id)
        }
        self = .only(stores)
    }

    public static func isStoreID(_ text: String) -> Bool {
        (1...64).contains(text.utf8.count)
            && text.utf8.allSatisfy { byte in
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                    || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                    || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
            }
    }
}
