"""A classic record-linkage pipeline, the quality report's peer (not a test dependency).

Built with the Python `recordlinkage` toolkit (0.16) the way a careful analyst would tune it for
this job, so that the engine is compared with a strong, ordinary alternative:

* preprocessing: names transliterated to ASCII (`anyascii`), lowercased, split into tokens, "Last,
  First" put in order; phonetic codes (NYSIIS) of the first and last token; phones parsed with
  `phonenumbers` (Google's libphonenumber metadata) in the data's default region, as E.164
  digits; the email's local part and the username;
* candidates: the union of blocks on the phone, the username (and email local part = username),
  the phonetic codes of the last name and of the first name with the last name's initial, and a
  sorted neighbourhood (window 9) on the sorted name tokens;
* comparison: Jaro-Winkler on the first name, the last name and the sorted full name (also with
  first and last swapped), Damerau-Levenshtein on the phones, exact username and email = username;
* a rule: a weighted sum of those similarities, a link when it reaches a threshold, and a greedy
  one-to-one assignment (best pairs first).

Usage: python peer_recordlinkage.py CRM.csv TELEGRAM.csv REGION FLOOR > links.csv

CRM.csv: id,name,phones,emails,username,sender_id (phones and emails joined by ";"); TELEGRAM.csv:
sender_id,first_name,last_name,username,phone. Writes crm_id,sender_id,score per proposed link; timings
go to standard error. Links are written with their score, best first, down to FLOOR: the greedy
assignment's links above any threshold at or over FLOOR are exactly the lines above it, so the
report can choose the threshold that suits the peer best. Contacts that already hold a sender ID are not matched, and the people they
hold are not proposed (as the engine does).
"""

import sys
import time

import pandas as pd
import phonenumbers
import recordlinkage as rl
from anyascii import anyascii
from recordlinkage.preprocessing import phonetic


def tokens(name):
    name = anyascii(str(name or "")).lower()
    if "," in name:
        last, _, first = name.partition(",")
        name = first + " " + last
    out = "".join(c if c.isalpha() else " " for c in name).split()
    return out


def e164(raw, region, telegram):
    raw = str(raw or "").strip()
    if not raw:
        return ""
    digits = "".join(c for c in raw if c.isdigit())
    # Telegram gives international digits, often without "+".
    if telegram and not raw.startswith("+") and not digits.startswith("0"):
        raw = "+" + digits
    try:
        n = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return digits
    return f"{n.country_code}{n.national_number}"


def handle(s):
    s = str(s or "").split("+")[0]
    return "".join(c for c in s.lower() if c.isalnum())


def prepare(frame, names, phones, region, telegram):
    toks = names.map(tokens)
    out = pd.DataFrame(index=frame.index)
    out["first"] = toks.map(lambda t: t[0] if t else "")
    out["last"] = toks.map(lambda t: t[-1] if len(t) > 1 else "")
    out["full"] = toks.map(lambda t: " ".join(sorted(t)))
    out["first_ph"] = phonetic(out["first"], method="nysiis")
    out["last_ph"] = phonetic(out["last"], method="nysiis")
    out["last_init"] = out["last"].str[:1]
    out["phone"] = phones.map(lambda p: e164(p, region, telegram))
    return out


def main():
    crm_path, tg_path, region, floor = sys.argv[1:5]
    floor = float(floor)
    t0 = time.perf_counter()
    crm = pd.read_csv(crm_path, dtype=str, keep_default_na=False)
    tg = pd.read_csv(tg_path, dtype=str, keep_default_na=False)
    held = set(crm.loc[crm["sender_id"] != "", "sender_id"])
    crm = crm[crm["sender_id"] == ""].reset_index(drop=True)
    tg = tg[~tg["sender_id"].isin(held)].reset_index(drop=True)

    # A contact with several phones is one row per phone; its id joins them again.
    crm["phone"] = crm["phones"].str.split(";")
    crm = crm.explode("phone").reset_index(drop=True)
    a = prepare(crm, crm["name"], crm["phone"], region, False)
    a["user"] = crm["username"].map(handle)
    a["email"] = crm["emails"].map(lambda e: handle(e.split(";")[0].split("@")[0]) if e else "")
    b = prepare(tg, tg["first_name"] + " " + tg["last_name"], tg["phone"], region, True)
    b["user"] = tg["username"].map(handle)
    b["email"] = b["user"]

    # Blocking keys: an empty value is no key (NaN is left out of blocks; "" would block every
    # empty with every empty).
    for frame in (a, b):
        for col in ("phone", "user", "email", "last_ph", "first_ph"):
            frame[col + "_key"] = frame[col].where(frame[col] != "")
        frame["full_key"] = frame["full"].where(frame["full"] != "")
    indexer = rl.Index()
    indexer.add(rl.index.Block(left_on="phone_key", right_on="phone_key"))
    indexer.add(rl.index.Block(left_on="user_key", right_on="user_key"))
    indexer.add(rl.index.Block(left_on="email_key", right_on="user_key"))
    indexer.add(rl.index.Block(left_on=["last_ph_key", "first_ph_key"], right_on=["last_ph_key", "first_ph_key"]))
    indexer.add(rl.index.Block(left_on=["first_ph_key", "last_init"], right_on=["first_ph_key", "last_init"]))
    indexer.add(rl.index.SortedNeighbourhood(left_on="full_key", right_on="full_key", window=9))
    pairs = indexer.index(a, b)
    t1 = time.perf_counter()

    cmp = rl.Compare(n_jobs=1)
    cmp.string("first", "first", method="jarowinkler", label="first")
    cmp.string("last", "last", method="jarowinkler", label="last")
    cmp.string("full", "full", method="jarowinkler", label="full")
    cmp.string("first", "last", method="jarowinkler", label="first_last")
    cmp.string("last", "first", method="jarowinkler", label="last_first")
    cmp.string("phone", "phone", method="damerau_levenshtein", missing_value=0, label="phone")
    cmp.exact("user_key", "user_key", missing_value=0, label="user")
    cmp.exact("email_key", "user_key", missing_value=0, label="email")
    f = cmp.compute(pairs, a, b)
    t2 = time.perf_counter()

    has_phone = (a["phone"].values[f.index.get_level_values(0)] != "") & (
        b["phone"].values[f.index.get_level_values(1)] != ""
    )
    names = pd.concat(
        [(f["first"] + f["last"]) / 2, (f["first_last"] + f["last_first"]) / 2, f["full"]], axis=1
    ).max(axis=1)
    # No last name on one side: the first name and the full name carry it.
    no_last = (a["last"].values[f.index.get_level_values(0)] == "") | (
        b["last"].values[f.index.get_level_values(1)] == ""
    )
    names = names.where(~no_last, (f["first"] * 0.5 + f["full"] * 0.5) * 0.85)
    phone = f["phone"].where(has_phone, 0.0)
    phone_exact = (phone >= 0.999).astype(float)
    phone_near = ((phone >= 0.9) & (phone < 0.999)).astype(float)
    phone_diff = (has_phone & (phone < 0.9)).astype(float)
    score = (
        names * 0.6
        + phone_exact * 0.45
        + phone_near * 0.2
        - phone_diff * 0.15
        + f["user"] * 0.45
        + f["email"] * 0.25
    )
    score = score[score >= floor].sort_values(ascending=False, kind="stable")

    used_a, used_b = set(), set()
    out = ["crm_id,sender_id,score"]
    for (i, j), value in score.items():
        cid, sid = crm.at[i, "id"], tg.at[j, "sender_id"]
        if cid in used_a or sid in used_b:
            continue
        used_a.add(cid)
        used_b.add(sid)
        out.append(f"{cid},{sid},{value:.4f}")
    t3 = time.perf_counter()
    sys.stdout.write("\n".join(out) + "\n")
    print(
        f"peer: {len(pairs)} candidate pairs; index {t1 - t0:.2f}s, compare {t2 - t1:.2f}s, "
        f"rule {t3 - t2:.2f}s; {len(out) - 1} links",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
