import Foundation
import SLACore

/// Reads the holiday files a calendar's `holidays` names: a path or a glob (`holidays/cn-*.json`),
/// relative to the directory of the policy file (so `/etc/slad/holidays/...` under systemd).
public enum HolidayFileReader {
    /// A holiday file is a year of dates: anything larger is a mistake, not data.
    static let maxBytes = 4 << 20

    public static func finder(policyPath: String) -> HolidayFileFinder {
        let directory = (policyPath as NSString).deletingLastPathComponent
        return { pattern in files(matching: pattern, in: directory) }
    }

    /// The files one pattern matches, in name order, read whole.
    public static func files(matching pattern: String, in directory: String) -> Result<
        [HolidaySource], HolidayFileError
    > {
        let full = pattern.hasPrefix("/") || directory.isEmpty ? pattern : directory + "/" + pattern
        var matches = glob_t()
        defer { globfree(&matches) }
        let status = glob(full, 0, nil, &matches)
        if status == GLOB_NOMATCH { return .success([]) }
        guard status == 0 else {
            return .failure(HolidayFileError(file: full, location: nil, message: "cannot list: glob error \(status)"))
        }
        var paths: [String] = []
        for index in 0..<Int(matches.gl_pathc) {
            if let cString = matches.gl_pathv[index] { paths.append(String(cString: cString)) }
        }
        var sources: [HolidaySource] = []
        for path in paths.sorted() {
            switch read(path) {
            case .success(let bytes): sources.append(HolidaySource(path: path, bytes: bytes))
            case .failure(let error): return .failure(error)
            }
        }
        return .success(sources)
    }

    /// The whole file, or why not (said as PolicyFile says it for the policy).
    public static func read(_ path: String) -> Result<[UInt8], HolidayFileError> {
        do {
            let data = try PolicyFile.contents(of: path)
            guard data.count <= maxBytes else {
                return .failure(
                    HolidayFileError(
                        file: path, location: nil, message: "larger than \(maxBytes >> 20) MiB: not a holiday file"))
            }
            return .success(Array(data))
        } catch let error as PolicyFile.Unreadable {
            return .failure(HolidayFileError(file: path, location: nil, message: "cannot read: \(error.reason)"))
        } catch {
            return .failure(HolidayFileError(file: path, location: nil, message: "cannot read: \(error)"))
        }
    }
}
