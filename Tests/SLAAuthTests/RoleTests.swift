import Testing

@testable import SLAAuth

@Suite struct RoleTests {
    func principal(_ role: Role, _ stores: Set<String> = ["S01"]) -> Principal {
        Principal(userID: 1, name: "p", role: role, scope: .only(stores))
    }

    /// The whole matrix, written out: what each role may do.
    @Test func theRoleMatrix() {
        let expected: [Role: Set<Action>] = [
            .staff: [.read, .openCase, .recordEvent],
            .manager: [.read, .openCase, .recordEvent, .acknowledge, .report],
            .hq: [.read, .acknowledge, .report],
            .admin: Set(Action.allCases),
        ]
        for role in Role.allCases {
            for action in Action.allCases {
                #expect(
                    principal(role).may(action) == expected[role]!.contains(action),
                    "\(role) \(action)")
            }
        }
    }

    @Test func staffCannotAcknowledgeNorReport() {
        #expect(!principal(.staff).may(.acknowledge))
        #expect(!principal(.staff).may(.report))
        #expect(!principal(.manager).may(.manageUsers))
        #expect(!principal(.hq).may(.openCase))
        #expect(!principal(.hq).may(.managePolicy))
    }

    @Test func staffAndManagersSeeOnlyTheirStores() {
        let manager = principal(.manager, ["S01", "S03"])
        #expect(manager.sees(store: "S01"))
        #expect(manager.sees(store: "S03"))
        #expect(!manager.sees(store: "S02"))
        #expect(!manager.sees(store: "s01"))  // store ids are exact
        #expect(manager.may(.acknowledge, in: "S01"))
        #expect(!manager.may(.acknowledge, in: "S02"))
        #expect(!principal(.staff, []).sees(store: "S01"))
    }

    @Test func hqAndAdminsSeeEveryStoreWhateverTheirList() {
        #expect(principal(.hq, ["S01"]).scope == .all)
        #expect(principal(.hq, []).sees(store: "S99"))
        #expect(principal(.admin, []).sees(store: "S99"))
        #expect(principal(.hq).may(.acknowledge, in: "S42"))
    }

    @Test func scopeTextRoundTrips() throws {
        #expect(StoreScope(text: "S02, S01,,")?.text == "S01,S02")
        #expect(StoreScope(text: "*") == .all)
        #expect(StoreScope(text: "") == .only([]))
        #expect(StoreScope(text: "S01,bad store") == nil)
        #expect(StoreScope(text: "S01,<script>") == nil)
        #expect(StoreScope.all.text == "*")
        let scope = try #require(StoreScope(text: "A,B"))
        #expect(scope.contains("A") && !scope.contains("C"))
        #expect(scope.stores == ["A", "B"])
        #expect(StoreScope.all.stores == nil)
    }

    @Test func theActorIsTheAccountNeverTheClaim() {
        let amy = Principal(userID: 7, name: "amy", role: .manager, scope: .only(["S01"]))
        #expect(amy.actor(claimed: "somebody-else") == "user:amy")
        #expect(amy.actor(claimed: nil) == "user:amy")
        // A shared identity without an account keeps the claim beside who sent it, as before.
        let root = Principal.operator("uid 0 (root)")
        #expect(root.actor(claimed: "li") == "li via uid 0 (root)")
        #expect(root.actor(claimed: nil) == "uid 0 (root)")
        #expect(root.role == .admin && root.scope == .all)
    }

    @Test func userNamesAreChecked() {
        #expect(AccountError.isValidName("amy"))
        #expect(AccountError.isValidName("li.wei-2_x"))
        #expect(!AccountError.isValidName("Amy"))
        #expect(!AccountError.isValidName("1amy"))
        #expect(!AccountError.isValidName("amy smith"))
        #expect(!AccountError.isValidName(""))
        #expect(!AccountError.isValidName(String(repeating: "a", count: 65)))
        #expect(!AccountError.isValidName("amy\n"))
    }
}
