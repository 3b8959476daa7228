"""The forges Kesu's approval workflow runs on besides GitHub: their API clients, each
answering in the terms of :mod:`generator.change.reviews` (a pull request's head commit and
its standing reviews), so one ``verify`` judges every forge.

``api`` (one GET through :mod:`generator.net.httpjson`: no redirects, one deadline, size caps;
pages bounded) → ``gitlab`` (merge request approvals) and ``gitea`` (Gitea and Forgejo pull
request reviews). python-gitlab and py-gitea were not used: they bring their own HTTP stack
(requests), which follows redirects with the token and has no deadline for the whole request.
"""

FORGES = ("github", "gitlab", "gitea")
