// The console's pages as mustache templates, compiled into the binary (slad is installed alone,
// without resource files). `{{x}}` escapes for HTML; `{{{x}}}` is used only for HTML that slad
// itself made (the report), never for anything a client sent.
enum Templates {
    static let all: [String: String] = [
        "layout": layout, "signin": signIn, "board": board, "boardRows": boardRows, "queue": queue,
        "case": casePage, "reports": reports, "message": message,
    ]

    static let layout = """
        <!DOCTYPE html>
        <html lang="{{htmlLang}}">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="referrer" content="no-referrer">
        <title>{{title}} · {{t.appTitle}}</title>
        {{#reportStyle}}<link rel="stylesheet" href="/console/static/report.css">
        {{/reportStyle}}<link rel="stylesheet" href="/console/static/console.css">
        <script src="/console/static/console.js" defer></script>
        </head>
        <body>
        <a class="skip" href="#main">{{t.skipToContent}}</a>
        <header class="top">
        <a class="brand" href="/console/">slad</a>
        {{#user}}
        <nav>
        <a href="/console/"{{#navBoard}} aria-current="page"{{/navBoard}}>{{t.navBoard}}</a>
        <a href="/console/queue"{{#navQueue}} aria-current="page"{{/navQueue}}>{{t.navQueue}}</a>
        <a href="/console/reports"{{#navReports}} aria-current="page"{{/navReports}}>{{t.navReports}}</a>
        </nav>
        <div class="who"><span>{{t.signedInAs}} <strong id="user">{{name}}</strong> <small>{{role}}</small></span>
        <form method="post" action="/console/signout"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit" id="signout">{{t.signOut}}</button></form>
        </div>
        {{/user}}
        <div class="lang"><a href="/console/lang/en?back={{back}}" lang="en">English</a><a href="/console/lang/zh?back={{back}}" lang="zh-CN">中文</a></div>
        </header>
        <main id="main">
        {{#notice}}<p class="notice" role="status">{{notice}}</p>{{/notice}}
        {{#problem}}<p class="problem" role="alert">{{problem}}</p>{{/problem}}
        {{$main}}{{/main}}
        </main>
        </body>
        </html>

        """

    static let signIn = """
        {{<layout}}{{$main}}
        <section class="signin">
        <h1>{{t.signInTitle}}</h1>
        <form method="post" action="/console/signin" id="signin-form">
        <input type="hidden" name="csrf" value="{{signInToken}}">
        <label for="name">{{t.signInName}}</label>
        <input id="name" name="name" autocomplete="username" autocapitalize="none" required value="{{enteredName}}">
        <label for="password">{{t.signInPassword}}</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required>
        <button type="submit">{{t.signInSubmit}}</button>
        </form>
        </section>
        {{/main}}{{/layout}}
        """

    static let board = """
        {{<layout}}{{$main}}
        <h1>{{t.boardTitle}}</h1>
        <p class="intro">{{t.boardIntro}}</p>
        <p class="live" id="live" data-offline="{{t.boardOffline}}" data-online="{{t.boardLive}}">{{t.boardLive}}</p>
        <div id="board" data-mark="{{mark}}" data-now="{{nowMillis}}" data-left="{{t.leftSuffix}}" data-late="{{t.lateSuffix}}" data-breached="{{t.riskBreached}}" data-units="{{units}}" data-separator="{{separator}}">
        {{> boardRows}}
        </div>
        {{/main}}{{/layout}}
        """

    /// The board's rows alone: in the page, and what the page's script fetches when the queue moves.
    static let boardRows = """
        {{#hasRows}}
        <table class="cards board">
        <thead><tr><th>{{t.columnState}}</th><th>{{t.columnLeft}}</th><th>{{t.columnCase}}</th><th>{{t.columnStore}}</th><th>{{t.columnClock}}</th><th>{{t.columnKind}}</th><th>{{t.columnDeadline}}</th><th>{{t.columnTold}}</th></tr></thead>
        <tbody>
        {{#rows}}
        <tr class="row-{{risk}}" data-risk="{{risk}}" data-deadline="{{deadlineMillis}}" data-case="{{caseID}}" data-clock="{{clockName}}">
        <td data-label="{{t.columnState}}"><span class="badge {{risk}}">{{riskLabel}}</span></td>
        <td data-label="{{t.columnLeft}}" class="left">{{left}}</td>
        <td data-label="{{t.columnCase}}"><a href="/console/cases/{{caseHref}}">{{caseID}}</a></td>
        <td data-label="{{t.columnStore}}" class="store">{{store}}</td>
        <td data-label="{{t.columnClock}}">{{clock}}</td>
        <td data-label="{{t.columnKind}}">{{kind}}</td>
        <td data-label="{{t.columnDeadline}}" class="time">{{deadline}}</td>
        <td data-label="{{t.columnTold}}">{{told}}</td>
        </tr>
        {{/rows}}
        </tbody>
        </table>
        {{/hasRows}}
        {{^hasRows}}<p class="empty">{{t.boardEmpty}}</p>{{/hasRows}}
        """

    static let queue = """
        {{<layout}}{{$main}}
        <h1>{{t.queueTitle}}</h1>
        <p class="intro">{{t.queueIntro}}</p>
        <form method="get" action="/console/queue" class="filters">
        <label>{{t.filterStore}} <select name="store"><option value="">{{t.filterAll}}</option>{{#stores}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/stores}}</select></label>
        <label>{{t.filterTier}} <select name="tier"><option value="">{{t.filterAll}}</option>{{#tiers}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/tiers}}</select></label>
        <label>{{t.filterState}} <select name="state">{{#states}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/states}}</select></label>
        <button type="submit">{{t.filterApply}}</button>
        </form>
        {{^canAck}}<p class="muted">{{t.noAckRight}}</p>{{/canAck}}
        {{#hasEntries}}
        <table class="cards queue">
        <thead><tr><th>{{t.columnEntry}}</th><th>{{t.columnCase}}</th><th>{{t.columnStore}}</th><th>{{t.columnClock}}</th><th>{{t.columnTier}}</th><th>{{t.columnDue}}</th><th>{{t.columnState}}</th><th>{{t.columnAction}}</th></tr></thead>
        <tbody>
        {{#entries}}
        <tr id="entry-{{id}}" class="entry-{{kindClass}}">
        <td data-label="{{t.columnEntry}}">#{{id}} <span class="badge {{kindClass}}">{{kindLabel}}</span></td>
        <td data-label="{{t.columnCase}}"><a href="/console/cases/{{caseHref}}">{{caseID}}</a></td>
        <td data-label="{{t.columnStore}}" class="store">{{store}}</td>
        <td data-label="{{t.columnClock}}">{{clock}}</td>
        <td data-label="{{t.columnTier}}">{{tier}}</td>
        <td data-label="{{t.columnDue}}" class="time">{{due}}</td>
        <td data-label="{{t.columnState}}" class="state">{{stateLabel}}{{#ackedBy}}<br><small>{{t.acknowledgedBy}} <span class="acked-by">{{ackedBy}}</span> · {{ackedAt}}</small>{{/ackedBy}}{{#ackNote}}<br><q class="ack-note">{{ackNote}}</q>{{/ackNote}}</td>
        <td data-label="{{t.columnAction}}">{{#ackable}}<form method="post" action="/console/queue/{{id}}/ack" class="ack">
        <input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="back" value="{{back}}">
        <input name="note" maxlength="500" placeholder="{{t.acknowledgeNote}}" aria-label="{{t.acknowledgeNote}}">
        <button type="submit" class="ack-button">{{t.acknowledge}}</button></form>{{/ackable}}</td>
        </tr>
        {{/entries}}
        </tbody>
        </table>
        {{/hasEntries}}
        {{^hasEntries}}<p class="empty">{{t.queueEmpty}}</p>{{/hasEntries}}
        {{/main}}{{/layout}}
        """

    static let casePage = """
        {{<layout}}{{$main}}
        <h1>{{t.caseTitle}} <span id="case-id">{{caseID}}</span></h1>
        <p class="facts"><span class="store">{{store}}</span> · {{kind}} · {{status}}{{#overdue}} · <span class="badge late">{{t.riskBreached}}</span>{{/overdue}}</p>
        <h2>{{t.caseClocks}}</h2>
        <table class="cards clocks">
        <thead><tr><th>{{t.columnClock}}</th><th>{{t.columnStatus}}</th><th>{{t.columnTarget}}</th><th>{{t.columnDeadline}}</th><th>{{t.columnLeft}}</th><th>{{t.columnTold}}</th></tr></thead>
        <tbody>
        {{#clocks}}
        <tr><td data-label="{{t.columnClock}}">{{title}}</td><td data-label="{{t.columnStatus}}"><span class="badge {{risk}}">{{status}}</span></td><td data-label="{{t.columnTarget}}">{{target}}</td><td data-label="{{t.columnDeadline}}" class="time">{{deadline}}</td><td data-label="{{t.columnLeft}}">{{left}}</td><td data-label="{{t.columnTold}}">{{told}}</td></tr>
        {{/clocks}}
        </tbody>
        </table>
        <h2>{{t.caseTimeline}}</h2>
        <ol class="timeline" id="timeline">
        {{#timeline}}
        <li class="item-{{type}}"><time>{{at}}</time> <span class="what">{{what}}</span>{{#who}} <span class="who">{{who}}</span>{{/who}}{{#note}} <q class="note">{{note}}</q>{{/note}}</li>
        {{/timeline}}
        </ol>
        {{#canRecord}}
        <h2>{{t.recordTitle}}</h2>
        <form method="post" action="/console/cases/{{caseHref}}/events" class="record">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <label for="kind">{{t.recordKind}}</label>
        <select id="kind" name="kind">{{#eventKinds}}<option value="{{.}}">{{.}}</option>{{/eventKinds}}</select>
        <label for="note">{{t.recordNote}}</label>
        <textarea id="note" name="note" maxlength="2000" rows="3"></textarea>
        <button type="submit">{{t.recordSubmit}}</button>
        </form>
        {{/canRecord}}
        {{/main}}{{/layout}}
        """

    static let reports = """
        {{<layout}}{{$main}}
        <h1>{{t.reportsTitle}}</h1>
        <p class="intro">{{t.reportsIntro}}</p>
        <form method="get" action="/console/reports" class="filters">
        <label>{{t.reportsMonth}} <input type="month" name="month" value="{{month}}" required></label>
        {{#storeChoice}}<label>{{t.filterStore}} <select name="store">{{#allStores}}<option value="">{{t.reportsAllStores}}</option>{{/allStores}}{{#stores}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/stores}}</select></label>{{/storeChoice}}
        <button type="submit">{{t.reportsShow}}</button>
        </form>
        <section class="report" id="report">
        {{{reportHTML}}}
        </section>
        {{/main}}{{/layout}}
        """

    /// A page that only says something: a refusal, a missing case.
    static let message = """
        {{<layout}}{{$main}}
        <h1>{{title}}</h1>
        <p><a href="/console/">{{t.backToBoard}}</a></p>
        {{/main}}{{/layout}}
        """
}
