"""What a destructive action asks before it runs.

The same words are shown as a page of their own without JavaScript (a GET on the action's URL)
and as a dialog with it (static/js/confirm.js); the change itself is only ever a POST.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Confirmation:
    #: Names the thing and the action: "Delete the bank 'Cardiology' and its 120 questions?"
    question: str
    #: What happens next, and what does not change.
    consequence: str
    #: The button that does it: "Delete the bank".
    confirm_label: str
    #: The action's URL: GET shows the confirmation page, POST does it.
    url: str
    #: Where "Cancel" goes on the confirmation page.
    cancel_url: str
