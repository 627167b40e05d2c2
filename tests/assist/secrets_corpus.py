"""A labelled corpus for the secret finder: lines with the secrets they hold (kind, exact
text), and lookalikes that hold none. Numbers are generated with their checksums computed
here (Luhn, ISO 13616 mod 97), independently of the code under test."""

from __future__ import annotations

import random
import string

Expected = list[tuple[str, str]]  # (kind, the secret's exact text)
Line = tuple[str, Expected]

_rng = random.Random(13)


def luhn_complete(prefix: str, length: int) -> str:
    """``prefix`` filled with random digits to ``length``, the last a Luhn check digit."""
    body = prefix + "".join(_rng.choice(string.digits) for _ in range(length - len(prefix) - 1))
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:  # these are doubled once the check digit is appended
            d = d * 2 - 9 if d * 2 > 9 else d * 2
        total += d
    return body + str((10 - total % 10) % 10)


def luhn_broken(number: str) -> str:
    return number[:-1] + str((int(number[-1]) + 1) % 10)


def group(number: str, sizes: tuple[int, ...], sep: str) -> str:
    out, pos = [], 0
    for size in sizes:
        out.append(number[pos : pos + size])
        pos += size
    return sep.join(part for part in out if part)


ISSUERS = [  # prefix, length, grouping
    ("4", 16, (4, 4, 4, 4)), ("4", 19, (4, 4, 4, 4, 3)), ("51", 16, (4, 4, 4, 4)),
    ("55", 16, (4, 4, 4, 4)), ("2221", 16, (4, 4, 4, 4)), ("2720", 16, (4, 4, 4, 4)),
    ("34", 15, (4, 6, 5)), ("37", 15, (4, 6, 5)), ("6011", 16, (4, 4, 4, 4)),
    ("65", 16, (4, 4, 4, 4)), ("3530", 16, (4, 4, 4, 4)), ("3566", 16, (4, 4, 4, 4)),
    ("36", 14, (4, 6, 4)), ("3056", 14, (4, 6, 4)), ("62", 16, (4, 4, 4, 4)),
    ("6759", 16, (4, 4, 4, 4)), ("5018", 16, (4, 4, 4, 4)), ("644", 16, (4, 4, 4, 4)),
]  # fmt: skip

CARD_SENTENCES = [
    "My card number is {}.", "Mijn creditcard: {} graag afschrijven", "Kartennummer {} bitte",
    "numéro de carte {} merci", "Номер карты {} срок 12/27", "pay with {} exp 09/26 cvc 123",
    "{}", "Visa {}, thanks!", "kaartnummer ({}) klopt niet?", "card={};",
]  # fmt: skip


def cards() -> list[Line]:
    lines: list[Line] = []
    for n, (prefix, length, sizes) in enumerate(ISSUERS * 3):
        number = luhn_complete(prefix, length)
        style = n % 3
        text = number if style == 0 else group(number, sizes, " " if style == 1 else "-")
        sentence = CARD_SENTENCES[n % len(CARD_SENTENCES)]
        lines.append((sentence.format(text), [("card", text)]))
        # the same number one digit off is no card
        broken = luhn_broken(number)
        wrong = broken if style == 0 else group(broken, sizes, " " if style == 1 else "-")
        lines.append((sentence.format(wrong), []))
    # well-known test numbers
    for text in ("4111 1111 1111 1111", "5500-0000-0000-0004", "378282246310005",
                 "6011111111111117", "3530111333300000", "4242424242424242"):  # fmt: skip
        lines.append((f"test card {text} please", [("card", text)]))
    return lines


IBAN_LENGTHS = {
    "NL": 18, "DE": 22, "BE": 16, "FR": 27, "GB": 22, "ES": 24, "IT": 27, "AT": 20, "CH": 21,
    "LU": 20, "PL": 28, "PT": 25, "IE": 22, "DK": 18, "FI": 18, "SE": 24, "NO": 15, "CZ": 24,
    "SK": 24, "HU": 28, "GR": 27, "RO": 24, "BG": 22, "HR": 21, "SI": 19, "LT": 20, "LV": 21,
    "EE": 20, "MT": 31, "CY": 28, "LI": 21, "MC": 27, "TR": 26, "UA": 29, "SA": 24, "AE": 23,
    "IL": 23, "BR": 29, "KZ": 20, "GE": 22, "RS": 22, "IS": 26,
}  # fmt: skip


def iban_for(country: str, bban: str) -> str:
    digits = "".join(str(int(ch, 36)) for ch in (bban + country + "00"))
    return f"{country}{98 - int(digits) % 97:02d}{bban}"


def _bban(country: str) -> str:
    size = IBAN_LENGTHS[country] - 4
    if country in ("NL", "GB", "IE", "BG", "MT", "GE", "LV"):  # bank code letters first
        return "".join(_rng.choice(string.ascii_uppercase) for _ in range(4)) + "".join(
            _rng.choice(string.digits) for _ in range(size - 4)
        )
    return "".join(_rng.choice(string.digits) for _ in range(size))


IBAN_SENTENCES = [
    "Please refund to {}.", "Mijn IBAN is {} t.n.v. J. Jansen", "IBAN: {}",
    "Bitte überweisen Sie auf {} danke", "Mon RIB : {}", "Счёт {} (IBAN)", "{}",
]  # fmt: skip


def ibans() -> list[Line]:
    lines: list[Line] = []
    for n, country in enumerate(list(IBAN_LENGTHS) * 2):
        iban = iban_for(country, _bban(country))
        text = iban if n % 2 == 0 else " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
        sentence = IBAN_SENTENCES[n % len(IBAN_SENTENCES)]
        lines.append((sentence.format(text), [("iban", text)]))
        wrong = text[:2] + f"{(int(iban[2:4]) + 1) % 100:02d}" + text[4:]
        lines.append((sentence.format(wrong), []))
    for text in ("NL91ABNA0417164300", "DE89 3704 0044 0532 0130 00", "GB29NWBK60161331926819",
                 "BE68 5390 0754 7034", "FR14 2004 1010 0505 0001 3M02 606"):  # fmt: skip
        lines.append((f"rekening {text} graag", [("iban", text)]))
    return lines


PASSWORDS: list[Line] = [
    ("mijn wachtwoord is Zomer2024", [("password", "Zomer2024")]),
    ("Mijn wachtwoord is nu Fietsbel!88", [("password", "Fietsbel!88")]),
    ("wachtwoord: hond123", [("password", "hond123")]),
    ("Het wachtwoord was 'tulp en kaas'", [("password", "tulp en kaas")]),
    ("inlog jan@acme.nl / wachtwoord = K@@s2023", [("password", "K@@s2023")]),
    ("Het tijdelijke wachtwoord is Welkom01", [("password", "Welkom01")]),
    ("ww: geheim99", [("password", "geheim99")]),
    ("pincode: 4821", [("password", "4821")]),
    ("nieuw wachtwoord is Amsterdam#1", [("password", "Amsterdam#1")]),
    ("paswoord: Brussel2023", [("password", "Brussel2023")]),
    ("my password is hunter2", [("password", "hunter2")]),
    ("Password: Tr0ub4dor&3", [("password", "Tr0ub4dor&3")]),
    ("password = correcthorse9", [("password", "correcthorse9")]),
    ('The password is "blue sky 42".', [("password", "blue sky 42")]),
    ("Login: admin, pwd: Adm1n!", [("password", "Adm1n!")]),
    ("new password: S3cure-Pass", [("password", "S3cure-Pass")]),
    ("passcode: 77aa88bb", [("password", "77aa88bb")]),
    ("my pw is qwerty123", [("password", "qwerty123")]),
    ("PIN code 9182 for the safe", [("password", "9182")]),
    ("The temporary password is Welcome2024", [("password", "Welcome2024")]),
    ("my password is now Spring-2025", [("password", "Spring-2025")]),
    ("password:letmein77", [("password", "letmein77")]),
    ("Mein Passwort ist Sommer2024", [("password", "Sommer2024")]),
    ("Passwort: Geheim!23", [("password", "Geheim!23")]),
    ("das Passwort lautet Hund4Katze", [("password", "Hund4Katze")]),
    ("Kennwort: Berlin#2020", [("password", "Berlin#2020")]),
    ("neues Passwort ist jetzt Wald99", [("password", "Wald99")]),
    ("Passwort = xY7zQ1", [("password", "xY7zQ1")]),
    ("PIN-Nummer: 5531", [("password", "5531")]),
    ("mon mot de passe est soleil2024", [("password", "soleil2024")]),
    ("Mot de passe : Paris!75", [("password", "Paris!75")]),
    ("le mot de passe est « chat noir 9 »", [("password", "chat noir 9")]),
    ("mdp: Lyon69lyon", [("password", "Lyon69lyon")]),
    ("nouveau mot de passe : Azerty#1", [("password", "Azerty#1")]),
    ("мой пароль qwerty123", [("password", "qwerty123")]),
    ("Пароль: Москва2024", [("password", "Москва2024")]),  # noqa: RUF001
    ("пароль — Zima!2023", [("password", "Zima!2023")]),
    ("новый пароль: Kot_Vasya7", [("password", "Kot_Vasya7")]),
    ("Логин ivan, пароль: ivan1985", [("password", "ivan1985")]),
    ("пароль это Sobaka99", [("password", "Sobaka99")]),
    ("wachtwoord:\tTab$9word", [("password", "Tab$9word")]),
    ("Password: hunter2.\nThanks", [("password", "hunter2")]),
    ("gebruiker piet wachtwoord Piet2024!", [("password", "Piet2024!")]),
    ("WiFi password: CoffeeShop42", [("password", "CoffeeShop42")]),
    ("my password is zomer", [("password", "zomer")]),
]

NOT_PASSWORDS: list[str] = [
    "I forgot my password",
    "Please reset my password.",
    "my password is not working",
    "the password is wrong",
    "My password is expired since Monday",
    "password reset link",
    "Your password is too short",
    "the password is incorrect, help",
    "Password is required.",
    "ik ben mijn wachtwoord vergeten",
    "wachtwoord werkt niet",
    "mijn wachtwoord is verlopen",
    "het wachtwoord is fout",
    "Wachtwoord wijzigen lukt niet",
    "nieuw wachtwoord aanvragen",
    "Ich habe mein Passwort vergessen",
    "Passwort ist falsch",
    "Das Passwort ist abgelaufen",
    "Passwort zurücksetzen geht nicht",
    "j'ai oublié mon mot de passe",
    "mot de passe oublié",
    "le mot de passe est incorrect",
    "mot de passe expiré",
    "забыл пароль",
    "пароль не подходит",
    "пароль неверный",
    "сбросить пароль",
    "How do I change the password for the shop?",
    "The password field is empty.",
    "password protected PDF attached",
    "Passwords must have 12 characters.",
    "my password is the same as before",
    "password is case-sensitive",
    "she said the pin is in the mail",
    "pin the ticket to the top",
    "PIN code is required",
    "Het wachtwoord is te kort",
    "wachtwoord is gewijzigd, dank",
    "Kennwort ist gesperrt",
    "password: see the e-mail",
    "passwords are stored hashed",
]

_ALNUM = string.ascii_letters + string.digits


def _rand(n: int, alphabet: str = _ALNUM) -> str:
    return "".join(_rng.choice(alphabet) for _ in range(n))


def keys() -> list[Line]:
    made = [
        "sk_live_" + _rand(24), "sk_test_" + _rand(24), "rk_live_" + _rand(24),
        "whsec_" + _rand(32), "ghp_" + _rand(36), "gho_" + _rand(36), "ghs_" + _rand(36),
        "github_pat_" + _rand(22) + "_" + _rand(59), "glpat-" + _rand(20),
        "AKIA" + _rand(16, string.ascii_uppercase + string.digits),
        "ASIA" + _rand(16, string.ascii_uppercase + string.digits),
        "xoxb-" + _rand(12, string.digits) + "-" + _rand(13, string.digits) + "-" + _rand(24),
        "xoxp-" + _rand(12, string.digits) + "-" + _rand(24),
        "AIza" + _rand(35), "sk-proj-" + _rand(48), "sk-" + _rand(48),
        "sk-ant-api03-" + _rand(40), "SG." + _rand(22) + "." + _rand(43),
        "SK" + _rand(32, "0123456789abcdef"), "npm_" + _rand(36), "pypi-" + _rand(60),
        "shpat_" + _rand(32, "0123456789abcdef"), "key-" + _rand(32, "0123456789abcdef"),
        "dop_v1_" + _rand(64, "0123456789abcdef"), "hf_" + _rand(34),
        "123456789:AA" + _rand(33), "ya29." + _rand(40),
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    ]  # fmt: skip
    sentences = ["our key is {}", "API key: {}", "Hier is de sleutel {} voor jullie",
                 "Der Schlüssel lautet {}", "la clé {} ne marche pas", "ключ {} не работает",
                 "{}", "config: STRIPE_KEY={}"]  # fmt: skip
    lines: list[Line] = []
    for n, key in enumerate(made):
        lines.append((sentences[n % len(sentences)].format(key), [("api_key", key)]))
    bearer = _rand(40)
    lines.append((f"curl -H 'Authorization: Bearer {bearer}' https://x", [("api_key", bearer)]))
    token = "a8Fk2LmQ9xZ7pR3tVb6N" + _rand(12)
    lines.append((f"token: {token}", [("api_key", token)]))
    lines.append((f"api_key={token[::-1]}", [("api_key", token[::-1])]))
    secret = _rand(40, string.ascii_letters + string.digits + "/+")
    lines.append((f"aws_secret_access_key = {secret}", [("api_key", secret)]))
    lines.append(("client secret is Zk3Lp9Qw2Er7Ty5Ui8Oa", [("api_key", "Zk3Lp9Qw2Er7Ty5Ui8Oa")]))
    lines.append(("https://piet:Geheim2024@ftp.acme.test/", [("api_key", "Geheim2024")]))
    pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIEow" + _rand(60) + "\n-----END RSA PRIVATE KEY-----"
    lines.append((f"key file:\n{pem}\nbye", [("api_key", pem)]))
    return lines


LOOKALIKES: list[str] = [
    # orders, invoices, customers
    "Order 10023345 has not arrived",
    "Bestelnummer 2024-000123",
    "factuur F2024-0042",
    "Invoice INV-2024-11-0003",
    "klantnummer 123456789",
    "Kundennummer 4400012345",
    "commande n° 98765432",
    "заказ № 556677889",
    "ordernummer 4111111111111111",
    "Order #4242424242424242 was duplicated",
    # phones
    "bel me op +31 6 1234 5678",
    "tel. 020-1234567",
    "call +1 (555) 123-4567",
    "+49 30 12345678",
    "+7 495 123-45-67",
    "0031 20 123 4567",
    "06-12345678",
    "+44 20 7946 0958",
    "+33 1 23 45 67 89",
    # dates and times
    "on 2024-01-15 at 14:30",
    "15-01-2024",
    "15.01.2024 um 10:00",
    "01/02/2025",
    "from 2024-01-15 until 2024-02-15",
    "20240115T143000Z",
    # tracking codes and parcel numbers
    "tracking 3SABCD1234567890",
    "UPS 1Z999AA10123456784",
    "DHL JJD000390007123456789",
    "SSCC 00340434161234567890",
    "PostNL 3STBJG123456789",
    "colis 6A12345678901",
    "Sendungsnummer 00340434161234567890",
    "track RR123456789NL",
    # ids, hashes, versions
    "commit 3f786850e387550fdab836ed7e6dc881de23001b",
    "uuid 550e8400-e29b-41d4-a716-446655440000",
    "version 4.11.1111.1111",
    "ticket #123456",
    "IP 192.168.100.200",
    "EAN 8712345678906",
    "KvK 12345678",
    "BSN 123456782",
    "btw NL123456789B01",
    "ISBN 978-90-123-4567-8",
    "amount € 4.111,11",
    "4111 items in 1111 boxes",
    "postcode 1234 AB",
    "NL is a country and DE89 is a code",
    "IBAN is required for refunds",
    "GB29 miles away",
    "The total was 1234 5678 9012 3456 cents",  # not Luhn-valid
    # words around keys and tokens
    "as a token of appreciation",
    "the key points are these",
    "my API key does not work",
    "token expired yesterday",
    "key: see attachment",
    "secret: ask Piet",
    "the key is on the table",
    "Bearer of bad news",
    "token: 1234567890123456",
    "api key = aaaaaaaaaaaaaaaaaaaa",
    "sk-8 is our room",
    "AKIA is a name",
    "ghp_short",
    "xox-something",
    "key-points-for-today",
    # ordinary text
    "Hoi, de site is traag sinds vanochtend.",
    "Can you call me back tomorrow?",
    "Die Rechnung ist falsch.",
    "Merci pour votre aide.",
    "Спасибо за помощь!",
    "Dear support, the banner is gone.",
    "Zie bijlage.",
    "😀😀😀",
    "שלום עולם",
]


def corpus() -> list[Line]:
    lines: list[Line] = []
    lines += cards()
    lines += ibans()
    lines += PASSWORDS
    lines += [(text, []) for text in NOT_PASSWORDS]
    lines += keys()
    lines += [(text, []) for text in LOOKALIKES]
    # several secrets in one message
    card = luhn_complete("4", 16)
    iban = iban_for("NL", "ABNA0417164300"[:14])
    lines.append(
        (
            f"Kaart {card}, rekening {iban} en mijn wachtwoord: Fiets2024!",
            [("card", card), ("iban", iban), ("password", "Fiets2024!")],
        )
    )
    return lines
