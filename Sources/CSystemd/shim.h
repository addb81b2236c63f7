// libsystemd, as Debian's libsystemd-dev ships it. Variadic calls (sd_journal_send, sd_notifyf) are not
// importable into Swift: slad uses sd_journal_sendv and sd_notify with preformatted strings.
#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>
