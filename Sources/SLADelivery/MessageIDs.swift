import SLAScheduler

/// Journal message ids of delivery (explained in `systemd/slad.catalog`). Never change a shipped id.
extension MessageID {
    /// A robot or sendmail refused a message (vendor code and message in the entry); it is retried.
    public static let deliveryRefused = "3e0d5b8f6c2a4f19b7d4a1c96e2f8b53"
}
