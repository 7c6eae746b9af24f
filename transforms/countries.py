# TEMPORARY local stub (not committed)
from transforms.records import CountryMention


def find_countries(title, body):
    return tuple(
        CountryMention(c, body.count(n), "party")
        for n, c in [("Pakistan", "PAK"), ("Russia", "RUS")]
        if n in body
    )
