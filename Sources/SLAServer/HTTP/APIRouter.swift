import NIOHTTP1

/// Method and path to handler, with `:name` segments as parameters. A dozen routes: a list read
/// in order is as fast as a tree and plainer.
///
/// Unchecked: routes are added before the router serves, and only read after.
public final class APIRouter: @unchecked Sendable {
    /// Answers `request` through `respond`, now or later; a throw is answered as an error.
    public typealias Handler = (APIRequest, Responder) throws -> Void

    private enum Segment: Equatable {
        case literal(String)
        case parameter(String)
    }

    private struct Route {
        let method: HTTPMethod
        let segments: [Segment]
        let handler: Handler
    }

    private var routes: [Route] = []

    public init() {}

    public func get(_ path: String, _ handler: @escaping Handler) {
        add(.GET, path, handler)
    }

    public func post(_ path: String, _ handler: @escaping Handler) {
        add(.POST, path, handler)
    }

    private func add(_ method: HTTPMethod, _ path: String, _ handler: @escaping Handler) {
        let segments = path.split(separator: "/").map { part in
            part.hasPrefix(":") ? Segment.parameter(String(part.dropFirst())) : .literal(String(part))
        }
        routes.append(Route(method: method, segments: segments, handler: handler))
    }

    /// Runs the route of `request`; 404 when no path matches, 405 when only the method is wrong.
    func respond(to request: APIRequest, _ respond: Responder) {
        var request = request
        let parts = request.path.split(separator: "/", omittingEmptySubsequences: true)
        var allowed: [HTTPMethod] = []
        for route in routes {
            guard let parameters = Self.match(route.segments, parts) else { continue }
            guard route.method == request.method else {
                allowed.append(route.method)
                continue
            }
            request.parameters = parameters
            do {
                try route.handler(request, respond)
            } catch {
                respond(.error(of: error))
            }
            return
        }
        if allowed.isEmpty {
            respond(.error(.notFound("no route \(request.method) \(request.path)")))
        } else {
            var response = APIResponse.error(
                APIError(
                    status: .methodNotAllowed, code: "method_not_allowed",
                    message: "\(request.path) takes \(allowed.map(\.rawValue).joined(separator: ", "))"))
            response.headers.add(name: "allow", value: allowed.map(\.rawValue).joined(separator: ", "))
            respond(response)
        }
    }

    private static func match(_ segments: [Segment], _ parts: [Substring]) -> [String: String]? {
        guard segments.count == parts.count else { return nil }
        var parameters: [String: String] = [:]
        for (segment, part) in zip(segments, parts) {
            switch segment {
            case .literal(let text): guard part == text else { return nil }
            case .parameter(let name): parameters[name] = QueryParameters.decode(part)
            }
        }
        return parameters
    }
}
