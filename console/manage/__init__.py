"""Management pages: campaigns, lists, do-not-call, caller numbers and accounts, as plain forms.

Each page is a GET that shows the state and forms that POST one action, then redirect back with
a message (post/redirect/get: a reload never repeats an action). Bad input re-renders the page
with the reason and the fields as they were typed, and changes nothing.
"""
