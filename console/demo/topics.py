"""What the demo's tickets are about: topics, products, and the values their texts name.

A topic's subjects, problems and resolutions are templates; ``Slots`` fills them for one
ticket, drawing a value (a site, a host, an invoice number...) only when a template first
asks for it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from console.demo.draw import pick


@dataclass(frozen=True)
class Topic:
    """One kind of problem: where it is filed and how people describe and resolve it."""

    department: str
    category: str
    subcategory: str
    subjects: tuple[str, ...]
    problems: tuple[str, ...]
    resolutions: tuple[str, ...]


# fmt: off
#: Every kind of problem the desk sees, by department.
TOPICS: tuple[Topic, ...] = (
    Topic("Billing", "Invoice", "Wrong amount",
        ("Invoice {invoice} shows the wrong amount", "Overcharged on the {month} invoice",
         "Invoice {invoice}: {product} billed above the agreed rate"),
        ("Our invoice {invoice} for {month} came to {amount}, but our contract price for "
         "{product} is lower.",
         "The {month} invoice charges {product} at the list price instead of our rate."),
        ("Issued a credit note for the difference on invoice {invoice}; it shows on the next "
         "statement.",
         "Corrected the rate for {product} in billing and re-issued invoice {invoice}.")),
    Topic("Billing", "Invoice", "Missing invoice",
        ("No invoice received for {month}", "Can you resend invoice {invoice}?",
         "Invoice for {product} missing from the portal"),
        ("We have not received the invoice for {month} and our accounts team needs it to "
         "close the month.",
         "Invoice {invoice} is not in the customer portal and the email never arrived."),
        ("Re-sent invoice {invoice} to the billing contact; the portal now lists it.",
         "The invoice went to an old address; updated the billing contact and re-sent it.")),
    Topic("Billing", "Invoice", "Duplicate charge",
        ("Charged twice for {product}", "Duplicate payment taken for the {month} invoice",
         "Two debits for invoice {invoice}"),
        ("Our bank statement shows two payments of {amount} for invoice {invoice}.",
         "We were charged twice for {product} this month."),
        ("Refunded the duplicate payment of {amount}; it reaches the account in 3-5 days.",
         "The second debit was a pending authorisation and has now been released.")),
    Topic("Billing", "Payment", "Card declined",
        ("Card payment declined for {product}", "Cannot pay invoice {invoice} online",
         "Payment failed when renewing {product}"),
        ("The payment page declines our company card when we pay invoice {invoice}.",
         "The automatic renewal of {product} failed because the card was declined."),
        ("The card had expired; the customer added a new card and the payment went through.",
         "The bank had blocked the payment; after the customer approved it the retry "
         "succeeded.")),
    Topic("Billing", "Payment", "Refund request",
        ("Refund request for cancelled {product}", "Please refund the unused part of {product}",
         "Refund for the downtime in {month}"),
        ("We cancelled {product} but were still charged {amount} for {month}.",
         "Given the outage in {month} we would like a refund for the affected days."),
        ("Approved a pro-rata refund of {amount} for {product}.",
         "Applied a service credit of {amount} to the account for the downtime.")),
    Topic("Billing", "Payment", "Direct debit",
        ("Set up direct debit for our account", "Change bank details for direct debit",
         "Direct debit mandate cancelled by mistake"),
        ("We would like to pay by direct debit from next month instead of by card.",
         "Our bank details changed and the next direct debit will fail."),
        ("Set up the new direct debit mandate; the first collection is on the 1st.",
         "Updated the bank details; the next collection uses the new account.")),
    Topic("Billing", "Subscription", "Upgrade",
        ("Upgrade {product} to the next tier", "Add {count} seats to {product}",
         "Move {product} from monthly to annual billing"),
        ("We want to upgrade {product} and need to know how the price changes mid-cycle.",
         "Please add {count} seats to {product} before our new starters arrive."),
        ("Upgraded {product}; the pro-rata difference of {amount} is on the next invoice.",
         "Switched {product} to annual billing with the 10% discount.")),
    Topic("Billing", "Subscription", "Cancellation",
        ("Cancel {product} at the end of the term", "How do we cancel {product}?",
         "Stop the auto-renewal of {product}"),
        ("We no longer need {product} and want to cancel it when the current term ends.",
         "Please turn off auto-renewal for {product}; we are reviewing suppliers."),
        ("Set {product} to end with the current term and confirmed the date in writing.",
         "Turned off auto-renewal for {product}; no further charges will be taken.")),
    Topic("Network", "Connectivity", "Outage",
        ("Internet down at the {site} office", "No connectivity at {site} since {since}",
         "Leased line at {site} offline"),
        ("Nobody at our {site} office can reach the internet since {since}; the router shows "
         "a red WAN light.",
         "The leased line at {site} dropped {since} and has not come back."),
        ("A fibre cut near the exchange was repaired by the carrier; the {site} line is up.",
         "Replaced the faulty router at {site}; the link has been stable since.")),
    Topic("Network", "Connectivity", "Packet loss",
        ("Packet loss on the {site} link", "VoIP calls breaking up at {site}",
         "Intermittent drops on the {site} line"),
        ("We see around 5% packet loss to {ip} from the {site} office and calls break up.",
         "Video calls from {site} freeze every few minutes since {since}."),
        ("Found CRC errors on the access port; moved the line to a new port and the loss "
         "is gone.",
         "The carrier replaced a faulty line card; no loss in the last 24 hours.")),
    Topic("Network", "Connectivity", "Slow speed",
        ("Slow internet at {site}", "{product} speed far below the contract",
         "Downloads crawling at the {site} office"),
        ("Speed tests at {site} show a fraction of what {product} should give us.",
         "Since {since} everything online is very slow at {site}."),
        ("A backup job was saturating the uplink; applied traffic shaping to it.",
         "The carrier fixed a mis-provisioned profile; tests now show full speed.")),
    Topic("Network", "VPN", "Tunnel down",
        ("Site-to-site VPN to {site} down", "VPN tunnel to {site} keeps dropping",
         "Cannot reach the {site} servers over VPN"),
        ("The IPsec tunnel between head office and {site} is down since {since}.",
         "The VPN to {site} drops every hour and reconnects after a few minutes."),
        ("The peer's public IP had changed; updated the tunnel and it came up.",
         "Mismatched phase 2 lifetimes; aligned them and the tunnel is stable.")),
    Topic("Network", "VPN", "Client setup",
        ("VPN access for a new starter", "VPN client fails on a new laptop",
         "Set up VPN for {count} remote users"),
        ("A new colleague needs VPN access to the {site} network from Monday.",
         "The VPN client says 'authentication failed' on a freshly installed laptop."),
        ("Created the VPN profile and sent the setup guide; the user connected fine.",
         "The laptop clock was off; after syncing the time the certificate check passed.")),
    Topic("Network", "DNS", "Resolution failure",
        ("{domain} not resolving", "DNS errors for {domain}",
         "Intermittent DNS failures at {site}"),
        ("Since {since} {domain} does not resolve from some networks.",
         "Users at {site} get 'server not found' for internal names every few minutes."),
        ("An expired DNSSEC signature broke resolution; re-signed the zone.",
         "One of the office resolvers had crashed; restarted it and added monitoring.")),
    Topic("Network", "DNS", "Record change",
        ("Add a DNS record for {domain}", "Change the MX records for {domain}",
         "Point www.{domain} to the new server"),
        ("Please add a CNAME for portal.{domain} pointing to our new provider.",
         "We are moving email and need the MX records for {domain} changed on Friday."),
        ("Added the record; it propagated within the hour.",
         "Changed the records at the agreed time and verified resolution worldwide.")),
    Topic("Network", "Firewall", "Rule change",
        ("Open port {port} for a new application", "Firewall change request for {site}",
         "Allow {ip} through the firewall"),
        ("Our new application needs port {port} open inbound to {host}.",
         "A supplier needs access to {host} from {ip}."),
        ("Added the rule for port {port} after approval and tested it from outside.",
         "Allowed {ip} to {host} only, as agreed, and documented the change.")),
    Topic("Network", "Firewall", "Blocked port",
        ("Port {port} blocked since the firewall update", "Cannot connect to {host} on {port}",
         "Firewall blocking our payment gateway"),
        ("Since the firewall update {since} connections to port {port} time out.",
         "Our card terminals cannot reach the payment gateway any more."),
        ("The update had reset a custom rule; restored it and saved the configuration.",
         "Allowed the gateway's new address range.")),
    Topic("Hosting", "Website", "Server error",
        ("Website {domain} returns 500 errors", "500 Internal Server Error on checkout",
         "{domain} down after the update"),
        ("Since {since} our website {domain} shows '500 Internal Server Error' on every page.",
         "The checkout on {domain} fails with a server error for some customers."),
        ("A plugin update broke PHP compatibility; rolled it back and the site is up.",
         "The database connection limit was reached; raised it and fixed the leak.")),
    Topic("Hosting", "Website", "Slow site",
        ("{domain} very slow", "Pages on {domain} take 10 seconds to load",
         "Slow admin panel on {domain}"),
        ("Pages on {domain} take ten seconds or more to load since {since}.",
         "The admin area of {domain} is so slow that it times out."),
        ("Enabled caching and indexed the slow query; pages load in under a second.",
         "A bot was crawling the site aggressively; rate-limited it.")),
    Topic("Hosting", "Website", "SSL certificate",
        ("SSL certificate expired on {domain}", "Browser security warning on {domain}",
         "Install the new SSL certificate for {domain}"),
        ("Visitors to {domain} get a warning that the certificate has expired.",
         "We bought a new certificate for {domain} and need it installed."),
        ("Renewed and installed the certificate; auto-renewal is now on.",
         "Installed the certificate with its intermediate chain; all browsers accept it.")),
    Topic("Hosting", "Email", "Delivery failure",
        ("Emails to customers bouncing", "Mail from {domain} rejected as spam",
         "Not receiving email since {since}"),
        ("Our messages to several customers bounce with '550 rejected'.",
         "We have not received any email at {domain} since {since}."),
        ("SPF lacked the new mail server; fixed SPF and DKIM and delivery resumed.",
         "The mailbox quota was full; cleared the archive and mail flows again.")),
    Topic("Hosting", "Email", "Spam",
        ("Lots of spam getting through", "Phishing emails reaching staff",
         "Legitimate mail going to junk"),
        ("Staff at {domain} get dozens of spam messages a day since {since}.",
         "Invoices from our main supplier land in the junk folder."),
        ("Tightened the spam filter and blocked the sending domains.",
         "Added the supplier to the allow list and retrained the filter.")),
    Topic("Hosting", "Server", "Disk full",
        ("Disk full on {host}", "{host} out of space",
         "Backups failing: no space left on {host}"),
        ("Monitoring shows the disk on {host} at 98% and the application stopped logging.",
         "Backups on {host} fail with 'no space left on device'."),
        ("Rotated and compressed old logs and extended the volume by 100 GB.",
         "Removed stale snapshots; usage is back to 60%.")),
    Topic("Hosting", "Server", "Reboot request",
        ("Please reboot {host}", "{host} unresponsive", "Planned reboot of {host} tonight"),
        ("{host} stopped answering SSH and the application is down.",
         "We need {host} rebooted tonight after the patch window."),
        ("Rebooted {host} from the console; services came back and the logs are clean.",
         "Rebooted at the agreed time and confirmed with the customer.")),
    Topic("Hosting", "Server", "Backup restore",
        ("Restore files on {host}", "Restore the database from last night",
         "Deleted folder needs restoring"),
        ("A folder of contracts was deleted from {host} yesterday; please restore it.",
         "We need the database on {host} restored to last night's backup."),
        ("Restored the folder from the nightly backup; the customer confirmed the files.",
         "Restored the database to 02:00 and replayed the transaction log.")),
    Topic("Hosting", "Domain", "Renewal",
        ("Renew {domain}", "{domain} expired!", "Auto-renew {domain} for three years"),
        ("We got a notice that {domain} expires at the end of the month.",
         "{domain} stopped working and the registrar says it expired."),
        ("Renewed {domain} for two years and turned on auto-renew.",
         "Restored the expired domain within the grace period; the site is back.")),
    Topic("Sales EU", "Quote", "New quote",
        ("Quote for {product} for {count} users", "Pricing for a new office in {site}",
         "Request for proposal: {product}"),
        ("We are opening an office in {site} and need a quote for {product} for {count} "
         "users.",
         "Please send a quote for {product} including installation."),
        ("Sent the quote for {product}; the customer accepted it.",
         "Sent the proposal and handed over to the account manager.")),
    Topic("Sales EU", "Quote", "Pricing question",
        ("Question about {product} pricing", "Is VAT included in the {product} price?",
         "Discount for a non-profit?"),
        ("The price list for {product} does not say whether VAT is included.",
         "We are a charity; do you offer a discount on {product}?"),
        ("Explained the pricing and the VAT treatment in writing.",
         "Applied the non-profit discount to the account.")),
    Topic("Sales EU", "Contract", "AMC renewal",
        ("Renew our support contract", "Support contract renewal for next year",
         "Has our support contract expired?"),
        ("Our annual maintenance contract is up for renewal; please send the terms.",
         "We were told our support contract has expired; we want to renew it."),
        ("Renewed the AMC for twelve months; the new expiry date is on the account.",
         "Sent the renewal terms; the customer signed and the contract is active.")),
    Topic("Sales EU", "Order", "New service",
        ("Order {product} for the {site} office", "New service: {product}",
         "Delivery date for {product}"),
        ("We would like to order {product} for our {site} office.",
         "When will {product} be delivered and installed?"),
        ("Booked the installation of {product} at {site}.",
         "Confirmed the delivery date; the engineer visit is booked.")),
)

#: What each department's customers buy (a ticket names one).
PRODUCTS: dict[str, tuple[str, ...]] = {
    "Billing": ("Business Email", "Cloud Hosting Pro", "Managed VPS", "Backup Plus",
                "Fibre Business 500", "Domain Registration"),
    "Network": ("Fibre Business 500", "Fibre Business 1000", "SD-WAN", "Site VPN",
                "Managed Firewall"),
    "Hosting": ("Cloud Hosting Pro", "Managed VPS", "Business Email", "SSL Certificates",
                "Backup Plus", "Domain Registration"),
    "Sales EU": ("Fibre Business 1000", "SD-WAN", "Managed Firewall", "Cloud Hosting Pro",
                 "Microsoft 365 Business"),
}

#: Values the templates' ``{site}``, ``{host}`` ... slots are drawn from.
SITES = ("Leeds", "Lyon", "Munich", "Rotterdam", "Dublin", "Milan", "head office",
          "warehouse", "Bristol", "Ghent", "Porto", "Graz")
HOSTS = ("web01", "web02", "mail01", "db01", "db02", "files01", "app03", "backup01", "vps-217")
SINCE = ("this morning", "yesterday evening", "about 09:40", "the weekend", "last night",
          "lunchtime", "Monday", "the power cut")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")
PORTS = ("443", "8443", "22", "3389", "5060", "993", "1194")
COUNTS = ("3", "5", "8", "12", "20", "25", "40")

# fmt: on


class Slots(dict[str, str]):
    """A ticket's template values; the random ones are drawn when a template first asks
    for them (most tickets need two or three of the ten)."""

    __slots__ = ("rand",)  # no __init__ either: made once per ticket, so kept cheap
    rand: Callable[[], float]

    def __missing__(self, key: str) -> str:
        value = SLOT_MAKERS[key](self.rand)
        self[key] = value
        return value


#: How each drawn slot gets its value from one ``random()``.
SLOT_MAKERS: dict[str, Callable[[Callable[[], float]], str]] = {
    "site": lambda r: pick(r, SITES),
    "host": lambda r: pick(r, HOSTS),
    "since": lambda r: pick(r, SINCE),
    "month": lambda r: pick(r, MONTHS),
    "invoice": lambda r: f"INV-{int(r() * 90000) + 10000}",
    "amount": lambda r: f"€{int(r() * 2400) + 40}.{int(r() * 100):02d}",
    "port": lambda r: pick(r, PORTS),
    "count": lambda r: pick(r, COUNTS),
    "ip": lambda r: f"203.0.113.{int(r() * 254) + 1}",
}
