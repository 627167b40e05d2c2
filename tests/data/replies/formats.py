# ruff: noqa: RUF001, E501 - Cyrillic, CJK and other letters here are text, on purpose
"""Words and line formats of real mail programs, per language, for the reply corpus generator.

Attribution lines, header labels, separators, footers and sign-offs as Gmail, Outlook, Apple
Mail, Thunderbird, Yahoo, Zimbra, Zoho, Lotus Notes, mail.ru, Yandex and Windows Mail write them.
Placeholders: {wd} weekday abbreviation, {Wd} weekday, {mon} month abbreviation, {Mon} month,
{d} day, {dd} two-digit day, {m} month number, {mm2} two-digit month, {y} year, {yy} two-digit
year, {H} hour, {HH} two-digit hour, {h12} 12-hour, {ampm}, {MM} minutes, {name}, {email}.
"""

from __future__ import annotations

LANGS = ["en", "nl", "de", "fr", "ru", "it", "es", "pt", "pl", "da", "no", "sv", "fi", "cs", "tr",
         "ja", "zh"]  # fmt: skip

WEEKDAYS = {
    "en": "Mon Tue Wed Thu Fri Sat Sun", "nl": "ma di wo do vr za zo",
    "de": "Mo Di Mi Do Fr Sa So", "fr": "lun mar mer jeu ven sam dim",
    "ru": "пн вт ср чт пт сб вс", "it": "lun mar mer gio ven sab dom",
    "es": "lun mar mié jue vie sáb dom", "pt": "seg ter qua qui sex sáb dom",
    "pl": "pon wt śr czw pt sob niedz", "da": "man tir ons tor fre lør søn",
    "no": "man tir ons tor fre lør søn", "sv": "mån tis ons tors fre lör sön",
    "fi": "ma ti ke to pe la su", "cs": "po út st čt pá so ne",
    "tr": "Pzt Sal Çar Per Cum Cmt Paz", "ja": "月 火 水 木 金 土 日", "zh": "一 二 三 四 五 六 日",
}  # fmt: skip
MONTHS = {
    "en": "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec",
    "nl": "jan feb mrt apr mei jun jul aug sep okt nov dec",
    "de": "Jan Feb März Apr Mai Juni Juli Aug Sept Okt Nov Dez",
    "fr": "janv févr mars avr mai juin juil août sept oct nov déc",
    "ru": "янв фев мар апр мая июн июл авг сент окт нояб дек",
    "it": "gen feb mar apr mag giu lug ago set ott nov dic",
    "es": "ene feb mar abr may jun jul ago sept oct nov dic",
    "pt": "jan fev mar abr mai jun jul ago set out nov dez",
    "pl": "sty lut mar kwi maj cze lip sie wrz paź lis gru",
    "da": "jan feb mar apr maj jun jul aug sep okt nov dec",
    "no": "jan feb mar apr mai jun jul aug sep okt nov des",
    "sv": "jan feb mars apr maj juni juli aug sep okt nov dec",
    "fi": "tammik helmik maalisk huhtik toukok kesäk heinäk elok syysk lokak marrask jouluk",
    "cs": "led úno bře dub kvě čvn čvc srp zář říj lis pro",
    "tr": "Oca Şub Mar Nis May Haz Tem Ağu Eyl Eki Kas Ara",
    "ja": "1月 2月 3月 4月 5月 6月 7月 8月 9月 10月 11月 12月",
    "zh": "1月 2月 3月 4月 5月 6月 7月 8月 9月 10月 11月 12月",
}  # fmt: skip

# Attribution lines with a "wrote" word, per language, as different programs write them.
ATTRIBUTIONS = {
    "en": [
        "On {wd}, {mon} {d}, {y} at {h12}:{MM} {ampm} {name} <{email}> wrote:",
        "On {wd}, {d} {mon} {y} at {HH}:{MM}, {name} <{email}> wrote:",
        "On {d} {mon} {y}, at {HH}:{MM}, {name} <{email}> wrote:",
        "On {dd}/{mm2}/{y} {HH}:{MM}, {name} wrote:",
        'On {m}/{d}/{yy}, {h12}:{MM} {ampm}, "{name}" <{email}> wrote:',
        "{name} <{email}> wrote on {dd}/{mm2}/{y} {HH}:{MM}:",
    ],
    "nl": [
        "Op {wd} {d} {mon} {y} om {HH}:{MM} schreef {name} <{email}>:",
        "Op {d} {mon}. {y} om {HH}:{MM} heeft {name} <{email}> het volgende geschreven:",
        "{name} schreef op {dd}-{mm2}-{y} {HH}:{MM}:",
        "Op {dd}-{mm2}-{y} om {HH}:{MM} schreef {name}:",
    ],
    "de": [
        "Am {wd}., {d}. {mon} {y} um {HH}:{MM} Uhr schrieb {name} <{email}>:",
        "Am {dd}.{mm2}.{y} um {HH}:{MM} schrieb {name} <{email}>:",
        "{name} <{email}> schrieb am {dd}.{mm2}.{y} {HH}:{MM}:",
    ],
    "fr": [
        "Le {wd}. {d} {mon} {y} à {HH}:{MM}, {name} <{email}> a écrit :",
        "Le {dd}/{mm2}/{y} à {HH}:{MM}, {name} a écrit :",
        "Le {d} {mon} {y} à {HH}:{MM}, {name} <{email}> a écrit :",
    ],
    "ru": [
        "{d} {mon} {y} г., в {HH}:{MM}, {name} <{email}> написал(а):",
        "{dd}.{mm2}.{y} {HH}:{MM}, {name} пишет:",
        "{wd}, {d} {mon}. {y} г. в {HH}:{MM}, {name} <{email}> написал:",
    ],
    "it": [
        "Il giorno {wd} {d} {mon} {y} alle ore {HH}:{MM} {name} <{email}> ha scritto:",
        "Il {dd}/{mm2}/{y} {HH}:{MM}, {name} ha scritto:",
        "Il giorno {d} {mon} {y}, alle ore {HH}:{MM}, {name} <{email}> ha scritto:",
    ],
    "es": [
        "El {wd}, {d} {mon} {y} a las {HH}:{MM}, {name} (<{email}>) escribió:",
        "El {dd}/{mm2}/{y} a las {HH}:{MM}, {name} escribió:",
        "El {d} {mon} {y}, a las {HH}:{MM}, {name} <{email}> escribió:",
    ],
    "pt": [
        "Em {wd}., {d} de {mon}. de {y} às {HH}:{MM}, {name} <{email}> escreveu:",
        "Em {dd}/{mm2}/{y} {HH}:{MM}, {name} escreveu:",
        "No dia {d} de {mon} de {y}, às {HH}:{MM}, {name} <{email}> escreveu:",
    ],
    "pl": [
        "W dniu {dd}.{mm2}.{y} o {HH}:{MM}, {name} <{email}> pisze:",
        "{wd}., {d} {mon} {y} o {HH}:{MM} {name} <{email}> napisał(a):",
        "Dnia {dd}.{mm2}.{y} o godz. {HH}:{MM} {name} napisał:",
    ],
    "da": [
        "Den {wd}. {d}. {mon} {y} kl. {HH}.{MM} skrev {name} <{email}>:",
        "{d}. {mon} {y} kl. {HH}.{MM} skrev {name} <{email}>:",
    ],
    "no": [
        "{wd}. {d}. {mon} {y} kl. {HH}:{MM} skrev {name} <{email}>:",
        "Den {d}. {mon} {y} kl. {HH}:{MM} skrev {name}:",
    ],
    "sv": [
        "Den {wd} {d} {mon} {y} kl {HH}:{MM} skrev {name} <{email}>:",
        "{y}-{mm2}-{dd} {HH}:{MM} skrev {name} <{email}>:",
    ],
    "fi": [
        "{wd} {d}.{m}.{y} klo {H}.{MM} {name} <{email}> kirjoitti:",
        "{name} kirjoitti {d}.{m}.{y} kello {H}.{MM}:",
    ],
    "cs": [
        "{wd} {d}. {m}. {y} v {H}:{MM} odesílatel {name} <{email}> napsal:",
        "Dne {d}. {m}. {y} v {H}:{MM} {name} napsal(a):",
    ],
    "tr": [
        "{name} <{email}>, {d} {mon} {y} {wd}, {HH}:{MM} tarihinde şunu yazdı:",
        "{d} {mon} {y} {wd}, saat {HH}:{MM} tarihinde {name} <{email}> şunu yazdı:",
    ],
    "ja": [
        "{y}年{m}月{d}日({wd}) {H}:{MM} {name} <{email}>:",
        "{y}/{mm2}/{dd} {H}:{MM}、{name} <{email}> のメッセージ:",
        "{y}年{m}月{d}日 {H}:{MM} {name}さんは書きました:",
    ],
    "zh": [
        "{name} <{email}> 于{y}年{m}月{d}日周{wd} {HH}:{MM}写道：",
        "在 {y}年{m}月{d}日，{HH}:{MM}，{name} <{email}> 写道：",
        "{name} <{email}> 於 {y}年{m}月{d}日 週{wd} 寫道：",
    ],
}

# Without a "wrote" word (Yandex, mail.ru, Gmail in Russian and Japanese, old Gmail, Apple),
# and with "wrote" but no colon.
NO_WROTE = [
    '{dd}.{mm2}.{y}, {HH}:{MM}, "{name}" <{email}>:',
    '{dd}.{mm2}.{y}, {HH}.{MM}, "{name}" <{email}>:',
    "{wd}, {d} {mon}. {y} г. в {HH}:{MM}, {name} <{email}>:",
    "{y}年{m}月{d}日({wd}) {H}:{MM} {name} <{email}>:",
    "{y}-{mm2}-{dd} {HH}:{MM} GMT+01:00 {name} <{email}>:",
    "{Wd}, {d} {mon} {y}, {HH}:{MM} +03:00 от {name} <{email}>:",
    "{y}-{mm2}-{dd} {HH}:{MM} GMT+02:00 {name} <{email}>:",
    "On {wd}, {mon} {d}, {y} at {h12}:{MM} {ampm} {name} <{email}> wrote",
    "Le {wd}. {d} {mon} {y} à {HH}:{MM}, {name} <{email}> a écrit",
    "Il giorno {d} {mon} {y} alle ore {HH}:{MM} {name} <{email}> ha scritto",
    "El {d}/{m}/{y} a las {HH}:{MM}, {name} <{email}> escribió",
    "Em {dd}/{mm2}/{y} {HH}:{MM}, {name} <{email}> escreveu",
    "On {dd}.{mm2}.{y} {HH}:{MM}, {name} wrote",
    "{d} {mon} {y} г., в {HH}:{MM}, {name} <{email}> написал(а)",
]

# Header field labels (From, Sent/Date, To, Cc, Subject) and the Outlook separator per language.
LABELS = {
    "en": ("From", "Sent", "To", "Cc", "Subject", "Original Message"),
    "nl": ("Van", "Verzonden", "Aan", "CC", "Onderwerp", "Oorspronkelijk bericht"),
    "de": ("Von", "Gesendet", "An", "Cc", "Betreff", "Ursprüngliche Nachricht"),
    "fr": ("De", "Envoyé", "À", "Cc", "Objet", "Message d'origine"),
    "ru": ("От", "Отправлено", "Кому", "Копия", "Тема", "Исходное сообщение"),
    "it": ("Da", "Inviato", "A", "Cc", "Oggetto", "Messaggio originale"),
    "es": ("De", "Enviado", "Para", "CC", "Asunto", "Mensaje original"),
    "pt": ("De", "Enviado", "Para", "Cc", "Assunto", "Mensagem original"),
    "pl": ("Od", "Wysłano", "Do", "DW", "Temat", "Oryginalna wiadomość"),
    "da": ("Fra", "Sendt", "Til", "Cc", "Emne", "Oprindelig meddelelse"),
    "no": ("Fra", "Sendt", "Til", "Kopi", "Emne", "Opprinnelig melding"),
    "sv": ("Från", "Skickat", "Till", "Kopia", "Ämne", "Ursprungligt meddelande"),
    "fi": ("Lähettäjä", "Lähetetty", "Vastaanottaja", "Kopio", "Aihe", "Alkuperäinen viesti"),
    "cs": ("Od", "Odesláno", "Komu", "Kopie", "Předmět", "Původní zpráva"),
    "tr": ("Kimden", "Gönderildi", "Kime", "Bilgi", "Konu", "Orijinal Mesaj"),
    "ja": ("差出人", "送信日時", "宛先", "CC", "件名", "元のメッセージ"),
    "zh": ("发件人", "发送时间", "收件人", "抄送", "主题", "原始邮件"),
}
DATE_LABEL = {"en": "Date", "nl": "Datum", "de": "Datum", "fr": "Date", "ru": "Дата",
              "it": "Data", "es": "Fecha", "pt": "Data", "pl": "Data", "da": "Dato",
              "no": "Dato", "sv": "Datum", "fi": "Päivämäärä", "cs": "Datum", "tr": "Tarih",
              "ja": "日付", "zh": "日期"}  # fmt: skip
REPLY_PREFIX = {"en": "RE", "nl": "RE", "de": "AW", "fr": "RE", "ru": "RE", "it": "R",
                "es": "RE", "pt": "RE", "pl": "RE", "da": "SV", "no": "SV", "sv": "SV",
                "fi": "VS", "cs": "RE", "tr": "YNT", "ja": "RE", "zh": "回复"}  # fmt: skip
FORWARD_PREFIX = {"en": "FW", "nl": "FW", "de": "WG", "fr": "TR", "ru": "FW", "it": "I",
                  "es": "RV", "pt": "ENC", "pl": "PD", "da": "VS", "no": "VS", "sv": "VB",
                  "fi": "VL", "cs": "FW", "tr": "FW", "ja": "FW", "zh": "转发"}  # fmt: skip
GMAIL_FORWARD = {
    "en": "Forwarded message",
    "nl": "Doorgestuurd bericht",
    "de": "Weitergeleitete Nachricht",
    "fr": "Message transféré",
    "ru": "Пересылаемое сообщение",
    "it": "Messaggio inoltrato",
    "es": "Mensaje reenviado",
    "pt": "Mensagem encaminhada",
    "pl": "Przekazana wiadomość",
    "da": "Videresendt meddelelse",
    "no": "Videresendt melding",
    "sv": "Vidarebefordrat meddelande",
    "fi": "Välitetty viesti",
    "cs": "Přeposlaná zpráva",
    "tr": "İletilen ileti",
    "ja": "転送されたメッセージ",
    "zh": "已转发邮件",
}
APPLE_FORWARD = {"en": "Begin forwarded message:", "nl": "Begin doorgestuurd bericht:",
                 "de": "Anfang der weitergeleiteten Nachricht:",
                 "fr": "Début du message réexpédié :", "es": "Comienzo del mensaje reenviado:",
                 "it": "Inizio messaggio inoltrato:",
                 "ru": "Начало переадресованного сообщения:"}  # fmt: skip

# Forwards in the languages the desk serves most, as each program writes them.
FORWARD_LANGS = ["en", "nl", "de", "fr", "es", "it", "ru"]
# Outlook's subject prefixes for a forward (older Dutch Outlook: "Doorst", Russian: "Пересл.").
OUTLOOK_FORWARD = {"en": ["FW"], "nl": ["FW", "Doorst"], "de": ["WG"], "fr": ["TR"],
                   "es": ["RV"], "it": ["I"], "ru": ["FW", "Пересл."]}  # fmt: skip
# Thunderbird: the separator's words and the Subject, Date, From and To labels.
THUNDERBIRD_FORWARD = {
    "en": ("Forwarded Message", "Subject", "Date", "From", "To"),
    "nl": ("Doorgestuurd bericht", "Onderwerp", "Datum", "Van", "Aan"),
    "de": ("Weitergeleitete Nachricht", "Betreff", "Datum", "Von", "An"),
    "fr": ("Message transféré", "Sujet", "Date", "De", "Pour"),
    "es": ("Mensaje reenviado", "Asunto", "Fecha", "De", "Para"),
    "it": ("Messaggio inoltrato", "Oggetto", "Data", "Mittente", "A"),
    "ru": ("Перенаправленное сообщение", "Тема", "Дата", "От", "Кому"),
}
# Yandex: the lines above and below the forwarded mail.
YANDEX_FORWARD = {
    "ru": ("Пересылаемое сообщение", "Конец пересылаемого сообщения"),
    "en": ("Forwarded message", "End of forwarded message"),
}

FOOTERS = [
    "Sent from my iPhone", "Sent from my iPad", "Sent from my Samsung Galaxy smartphone.",
    "Sent from my Huawei phone", "Sent from Yahoo Mail on Android",
    "Sent from Yahoo Mail for iPhone <https://overview.mail.yahoo.com/?.src=iOS>",
    "Get Outlook for iOS<https://aka.ms/o0ukef>", "Get Outlook for Android<https://aka.ms/ghei36>",
    "Get Outlook for iOS", "Sent from Mail<https://go.microsoft.com/fwlink/?LinkId=550986> for Windows",
    "Sent from Mail for Windows", "Sent from my BlackBerry 10 smartphone.",
    "Envoyé de mon iPhone", "Envoyé de mon iPad", "Envoyé depuis mon smartphone Samsung Galaxy.",
    "Verzonden vanaf mijn iPhone", "Verstuurd vanaf mijn iPad", "Verzonden met Outlook voor Android",
    "Outlook voor iOS downloaden<https://aka.ms/o0ukef>", "Von meinem iPhone gesendet",
    "Von meinem Huawei-Telefon gesendet", "Gesendet von meinem iPad", "Gesendet mit der GMX Mail App",
    "Outlook für iOS<https://aka.ms/o0ukef> beziehen", "Отправлено с iPhone",
    "Отправлено из мобильной Почты Mail.ru", "Отправлено из приложения Яндекс Почта",
    "Inviato da iPhone", "Inviato dal mio dispositivo Galaxy", "Enviado desde mi iPhone",
    "Enviado desde mi smartphone Samsung Galaxy.", "Enviado do meu iPhone",
    "Enviado do Email do Android", "Wysłane z iPhone'a", "Wysłano z aplikacji Poczta dla Windows",
    "Sendt fra min iPhone", "Sendt fra Outlook til Android", "Skickat från min iPhone",
    "Skickat från Outlook för Android", "Lähetetty iPhonesta", "Lähetetty Android-laitteesta",
    "Odesláno z iPhonu", "Odesláno ze Samsung Galaxy", "iPhone'umdan gönderildi",
    "iPhoneから送信", "发自我的iPhone", "從我的 iPhone 傳送",
]  # fmt: skip

CLOSINGS = {
    "en": ["Thanks,", "Thank you,", "Regards,", "Best regards,", "Kind regards,", "Cheers,",
           "Best,", "Many thanks,", "Thanks!", "Sincerely,"],
    "nl": ["Met vriendelijke groet,", "Groeten,", "Groet,", "Bedankt!", "Vriendelijke groet,",
           "Hartelijke groet,", "Alvast bedankt,"],
    "de": ["Mit freundlichen Grüßen", "Viele Grüße", "Beste Grüße,", "Danke!", "Liebe Grüße",
           "Freundliche Grüße"],
    "fr": ["Cordialement,", "Bien cordialement,", "Merci,", "Bien à vous,", "Merci beaucoup !"],
    "ru": ["С уважением,", "Спасибо,", "Заранее спасибо!", "Всего доброго,"],
    "it": ["Cordiali saluti,", "Grazie,", "Saluti,", "Un saluto,"],
    "es": ["Saludos,", "Un saludo,", "Gracias,", "Atentamente,", "Saludos cordiales,"],
    "pt": ["Atenciosamente,", "Obrigado,", "Cumprimentos,", "Abraços,"],
    "pl": ["Pozdrawiam,", "Z poważaniem,", "Dziękuję,"],
    "da": ["Med venlig hilsen", "Venlig hilsen", "Mvh."],
    "no": ["Med vennlig hilsen", "Vennlig hilsen", "Takk!"],
    "sv": ["Med vänliga hälsningar", "Vänliga hälsningar,", "Hälsningar,", "Tack!"],
    "fi": ["Ystävällisin terveisin", "Terveisin,", "Kiitos!"],
    "cs": ["S pozdravem", "Děkuji,", "S přátelským pozdravem,"],
    "tr": ["Saygılarımla,", "Teşekkürler,", "İyi çalışmalar,"],
    "ja": ["よろしくお願いします。", "よろしくお願いいたします。"],
    "zh": ["谢谢", "祝好", "此致"],
}  # fmt: skip
TITLES = ["CEO", "Office manager", "Head of Finance", "Sales", "IT-beheer", "Geschäftsführer",
          "Responsable marketing", "Менеджер по закупкам", "Responsabile acquisti",
          "Director de operaciones", "Gerente comercial", "Kierownik biura", "Indkøber",
          "Innkjøpsansvarlig", "Inköpare", "Toimitusjohtaja", "Jednatel", "Satın alma uzmanı",
          "営業部", "采购经理", "Customer Success Lead", "Product owner"]  # fmt: skip
COMPANIES = ["Acme B.V.", "Globex GmbH", "Initech Ltd", "Umbrella SARL", "Hooli Inc.",
             "Vandelay Industries", "ООО «Ромашка»", "Stark S.p.A.", "Wayne S.L.", "Tyrell Lda",
             "Soylent Sp. z o.o.", "Nordisk ApS", "Fjord AS", "Svea AB", "Sisu Oy",
             "Moravia s.r.o.", "Anadolu A.Ş.", "山田商事株式会社", "华为技术有限公司"]  # fmt: skip

FIRST = ["Anna", "Noam", "Sanne", "Klaus", "Céline", "Иван", "Giulia", "Lucía", "João", "Zofia",
         "Mette", "Ingrid", "Björn", "Aino", "Jiří", "Ayşe", "Haruto", "Wei", "John", "Fatima",
         "Pieter", "Léa", "Marco", "Olga", "Ahmed", "Emma", "Lars", "Kateřina", "Mehmet", "Yuki"]  # fmt: skip
LAST = ["de Vries", "Cohen", "Jansen", "Müller", "Dubois", "Petrov", "Rossi", "García", "Silva",
        "Nowak", "Hansen", "Johansen", "Lindqvist", "Virtanen", "Novák", "Yılmaz", "Sato", "Wang",
        "Doe", "Haddad", "Bakker", "Martin", "Bianchi", "Ivanova", "Karimi", "Smith", "Berg",
        "Dvořáková", "Kaya", "Tanaka"]  # fmt: skip

# Sentences for bodies, per language; {n} a number, {t} a time, {p} a product.
SENTENCES = {
    "en": ["The invoice for order {n} still shows the wrong amount.",
           "Could you check why the export stops at {t}?",
           "We tried again this morning and it works now, thanks.",
           "Please send the new {p} to our office in Utrecht.",
           "I attached the screenshot you asked for.",
           "Note: the deadline is {t} on Friday, see ticket {n}.",
           "My colleague wrote to you last week about the same {p}."],
    "nl": ["De factuur van bestelling {n} klopt nog steeds niet.",
           "Kunnen jullie kijken waarom de export om {t} stopt?",
           "Het werkt weer, dank voor de snelle hulp.",
           "Wilt u de nieuwe {p} naar ons kantoor sturen?",
           "In de bijlage vindt u de schermafbeelding."],
    "de": ["Die Rechnung zur Bestellung {n} ist noch immer falsch.",
           "Können Sie prüfen, warum der Export um {t} abbricht?",
           "Es funktioniert jetzt wieder, vielen Dank.",
           "Bitte schicken Sie das neue {p} an unser Büro."],
    "fr": ["La facture de la commande {n} est toujours incorrecte.",
           "Pouvez-vous vérifier pourquoi l'export s'arrête à {t} ?",
           "Cela fonctionne de nouveau, merci.",
           "Merci d'envoyer le nouveau {p} à notre bureau."],
    "ru": ["Счёт по заказу {n} всё ещё неверный.",
           "Проверьте, пожалуйста, почему выгрузка останавливается в {t}.",
           "Теперь всё работает, спасибо.",
           "Пришлите, пожалуйста, новый {p} в наш офис."],
    "it": ["La fattura dell'ordine {n} è ancora sbagliata.",
           "Potete controllare perché l'esportazione si ferma alle {t}?",
           "Ora funziona di nuovo, grazie."],
    "es": ["La factura del pedido {n} sigue siendo incorrecta.",
           "¿Pueden revisar por qué la exportación se detiene a las {t}?",
           "Ya funciona de nuevo, gracias."],
    "pt": ["A fatura da encomenda {n} continua errada.",
           "Podem verificar porque a exportação para às {t}?",
           "Já funciona outra vez, obrigado."],
    "pl": ["Faktura do zamówienia {n} nadal jest błędna.",
           "Czy możecie sprawdzić, dlaczego eksport zatrzymuje się o {t}?",
           "Teraz już działa, dziękuję."],
    "da": ["Fakturaen for ordre {n} er stadig forkert.",
           "Kan I se på, hvorfor eksporten stopper kl. {t}?", "Nu virker det igen, tak."],
    "no": ["Fakturaen for ordre {n} er fortsatt feil.",
           "Kan dere sjekke hvorfor eksporten stopper kl. {t}?", "Nå virker det igjen, takk."],
    "sv": ["Fakturan för order {n} är fortfarande fel.",
           "Kan ni kolla varför exporten stannar kl. {t}?", "Nu fungerar det igen, tack."],
    "fi": ["Tilauksen {n} lasku on edelleen väärin.",
           "Voitteko tarkistaa, miksi vienti pysähtyy klo {t}?", "Nyt se toimii taas, kiitos."],
    "cs": ["Faktura k objednávce {n} je stále chybná.",
           "Můžete zkontrolovat, proč se export zastaví v {t}?", "Teď už to funguje, děkuji."],
    "tr": ["{n} numaralı siparişin faturası hâlâ yanlış.",
           "Dışa aktarmanın neden {t} saatinde durduğunu kontrol edebilir misiniz?",
           "Şimdi tekrar çalışıyor, teşekkürler."],
    "ja": ["注文{n}の請求書がまだ間違っています。", "エクスポートが{t}に止まる理由を確認していただけますか。",
           "今は動いています。ありがとうございます。"],
    "zh": ["订单{n}的发票仍然不对。", "请检查为什么导出在{t}停止。", "现在可以用了，谢谢。"],
}  # fmt: skip
GREETINGS = {"en": "Hi {first},", "nl": "Beste {first},", "de": "Hallo {first},",
             "fr": "Bonjour {first},", "ru": "Здравствуйте, {first}!", "it": "Ciao {first},",
             "es": "Hola {first},", "pt": "Olá {first},", "pl": "Dzień dobry,",
             "da": "Hej {first},", "no": "Hei {first},", "sv": "Hej {first},",
             "fi": "Hei {first},", "cs": "Dobrý den,", "tr": "Merhaba {first},",
             "ja": "{first}様", "zh": "{first}，你好！"}  # fmt: skip
PRODUCTS = ["laptop", "router", "license", "badge", "printer", "headset", "dashboard"]
