import Foundation
import SLACore

/// Reads the contacts file `[delivery] contacts` names (relative paths are beside the policy),
/// noting whether every user may read it: it holds phone numbers and mail addresses, so slad
/// should read it through its group, not through the world's bits.
public enum ContactsFile {
    /// A roster of a chain's staff is kilobytes: anything this large is a mistake.
    static let maxBytes = 4 << 20

    /// `childArguments`: the TOML parse is tried in a child first, as for the policy (see
    /// `PolicyFile`); nil reads without it (tests).
    public static func reader(policyPath: String, childArguments: [String]?) -> ContactsFileReader {
        let directory = (policyPath as NSString).deletingLastPathComponent
        return { name in
            let path = name.hasPrefix("/") || directory.isEmpty ? name : directory + "/" + name
            return read(path, childArguments: childArguments)
        }
    }

    static func read(_ path: String, childArguments: [String]?) -> Result<ContactsSource, ContactsFileError> {
        let data: Data
        do {
            data = try PolicyFile.contents(of: path)
        } catch let error as PolicyFile.Unreadable {
            return .failure(ContactsFileError("cannot read \(path): \(error.reason)"))
        } catch {
            return .failure(ContactsFileError("cannot read \(path): \(error)"))
        }
        guard data.count <= maxBytes else {
            return .failure(ContactsFileError("\(path): larger than \(maxBytes >> 20) MiB: not a contacts file"))
        }
        guard String(data: data, encoding: .utf8) != nil else {
            return .failure(ContactsFileError("\(path): the file is not UTF-8 text"))
        }
        if let childArguments {
            do {
                try PolicyFile.parseInChild(data, path: path, childArguments: childArguments)
            } catch {
                return .failure(ContactsFileError("\(error)"))
            }
        }
        var info = stat()
        let worldReadable = stat(path, &info) == 0 && info.st_mode & S_IROTH != 0
        return .success(ContactsSource(path: path, bytes: Array(data), worldReadable: worldReadable))
    }
}
