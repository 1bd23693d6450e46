"""The words of the demo's tickets: what customers write, what agents answer, what is
asked for approval, planned and logged.

Templates name their values in braces, filled from a ticket's ``Slots``.
"""

from __future__ import annotations

from console.data.records import ACTIVITY_KINDS

#: The activity kinds, as the services take them.
TASK, CALL, EVENT = ACTIVITY_KINDS

#: An AMC exception: asked for when a ticket comes in after the account's contract ended.
AMC_EXCEPTION_SUBJECT = "AMC exception for {account}"
AMC_EXCEPTION_DETAILS = (
    "The support contract of {account} ended {ended}; the customer is renewing and needs "
    "this fixed meanwhile."
)
AMC_EXCEPTION_APPROVED = "Approved: the renewal is in progress with Sales."
AMC_EXCEPTION_REJECTED = "Rejected: ask the customer to renew first."

# fmt: off
#: What a customer adds to the problem, and how they ask and sign off.
DETAILS = (
    "It started {since}.", "{count} colleagues are affected.",
    "This is holding up our month-end work.",
    "We have already restarted everything on our side.",
    "Nothing changed on our side as far as we know.", "A colleague noticed it first {since}.",
    "",
)
ASKS = (
    "Could you look into this today?", "Please call me on {phone} if you need anything.",
    "Let me know what you need from us.", "This is urgent for us.",
    "Could someone get back to me before the end of the day?",
)
SIGNOFFS = ("Thanks", "Kind regards", "Best", "Many thanks", "Regards")

#: Agents' replies (``FIRST_REPLY`` opens a conversation, ``FIXED_REPLY`` ends one).
REPLIES = (
    "Hi {first},\n\nThanks for getting in touch. I am looking into this now and will update "
    "you within the hour.\n\nBest regards,\n{agent}",
    "Hi {first},\n\nCould you send us {evidence}? That will help us narrow it down.\n\n"
    "Thanks,\n{agent}",
    "Hi {first},\n\nWe have found the cause and are working on a fix. I will confirm once it "
    "is done.\n\nRegards,\n{agent}",
    "Hi {first},\n\nThis should now be fixed. Please check on your side and let us know.\n\n"
    "Best regards,\n{agent}",
    "Hi {first},\n\nA quick update: we are still waiting on our supplier and have chased "
    "them again this morning.\n\nKind regards,\n{agent}",
)
FIRST_REPLY, FIXED_REPLY = 0, 3
#: What an agent asks the customer to send.
EVIDENCE = ("a screenshot of the error", "the time it last happened",
            "the full error message", "the invoice number", "a traceroute to {ip}")
#: What customers write back, and write to a closed ticket (which reopens it).
CUSTOMER_MESSAGES = (
    "Thanks, I have attached what you asked for.", "It happened again {since}.",
    "Still not working on our side, I'm afraid.", "That fixed it, thank you!",
    "Any update on this? It is affecting our work.",
    "We tested it again and it looks fine now.",
)
REOPEN_MESSAGES = ("Sorry, the problem is back since {since}.",
                   "This is happening again. Can you take another look?")
#: Internal comments (they mention a colleague) and private notes.
COMMENTS = (
    "@{who} can you have a look? This customer has a tight deadline.",
    "@{who} this needs your OK before I go ahead.",
    "@{who} FYI, same issue as last week at this account.",
    "@{who} could you call them back? I'm out this afternoon.",
)
NOTES = (
    "Checked monitoring: nothing unusual before {since}.", "Customer prefers phone over email.",
    "Waiting on the carrier's reference number.", "Probably related to last week's change.",
    "Spoke to {first}; they will test tonight.",
)

#: department -> (approval subject, details)
APPROVALS: dict[str, tuple[tuple[str, str], ...]] = {
    "Billing": (
        ("Credit note of {amount} for {account}",
         "The overcharge is our error; the customer asked for a credit note."),
        ("Waive the late-payment fee for {account}",
         "The payment was late because our invoice went to the wrong address."),
    ),
    "Network": (
        ("Replace the router at {site}",
         "The router keeps failing; a replacement is covered by the hardware warranty."),
        ("Emergency change on the {site} firewall",
         "The customer cannot take card payments until the rule is changed."),
    ),
    "Hosting": (
        ("Out-of-hours restore for {account}",
         "The restore needs the backup team after 18:00; billable at the night rate."),
        ("Extra 100 GB of storage on {host}",
         "The volume is almost full; the customer agreed to the monthly cost."),
    ),
    "Sales EU": (
        ("15% discount for {account}",
         "Three-year commitment; the discount matches the competing offer."),
        ("Extended payment terms for {account}",
         "The customer asks for 60 days instead of 30 for this order."),
    ),
}
#: What deciders say (None: approved without a word).
APPROVE_COMMENTS = ("Approved, go ahead.", "OK, please note it on the account.",
                    "Approved as a one-off.", None)
REJECT_COMMENTS = ("Not covered by the contract; offer the paid option instead.",
                   "Rejected: please get a second quote first.")

#: (kind, title) of tasks, calls and events.
ACTIVITIES: tuple[tuple[str, str], ...] = (
    (TASK, "Follow up with {first} about the {subcategory} issue"),
    (TASK, "Check {host} after the change"), (TASK, "Send written confirmation to {first}"),
    (CALL, "Call {first} back"), (CALL, "Call the carrier about {site}"),
    (EVENT, "On-site visit at {site}"), (EVENT, "Maintenance window for {host}"),
    (EVENT, "Remote session with {first}"),
)
#: Notes of logged time, and how long agents log.
TIME_NOTES = ("Investigation", "Remote session with {first}", "Phone call with {first}",
              "Configuration change", "Testing and follow-up", "On hold with the carrier", "")
MINUTES = (10, 15, 20, 30, 30, 45, 60, 90, 120)
# fmt: on
