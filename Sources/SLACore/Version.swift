public enum SLACoreVersion { public static let string = "0.1.0" }
