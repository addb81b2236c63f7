extension Pages {
    /// The sign-in form; `token` is the pre-session token its cookie also carries.
    public static func signIn(frame: PageFrame, token: String, enteredName: String = "") -> String {
        render(
            "signin", frame: frame, title: frame.phrase(.signInTitle), section: .none,
            ["signInToken": token, "enteredName": enteredName])
    }
}
