"""Smokeball as a practice-management source (issue 20, begun): the API's published facts (``spec``), its
regions and sign-in hosts (``regions``), and the read client (``client``). The source seam, the normaliser,
payment matching and trust are still to come; nothing here is wired into the sync yet."""
