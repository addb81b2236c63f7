/// A customer's contact details, for the revisit. The engine never reads them: they arrive with an
/// open (the API's request) and are kept apart from the case, only in the database (mode 0600),
/// never logged, never in queue entries unless `[delivery] include-contact` asks, and purged with
/// the case.
public struct CustomerContact: Codable, Hashable, Sendable {
    public var name: String?
    public var phone: String?

    public init(name: String? = nil, phone: String? = nil) {
        self.name = name
        self.phone = phone
    }
}
