"""Which PostgreSQL text-search configuration stems a post in a given language.

Keys are the ISO 639-1 codes X reports in a post's `lang`; languages PostgreSQL has no
stemmer for (and X's "und", "qme", "zxx") use 'simple'. Migration chats 0005 builds the SQL
function chats_search_config() from this table; a change here needs a new migration.
"""

SEARCH_CONFIGS = {
    "ar": "arabic",
    "ca": "catalan",
    "da": "danish",
    "de": "german",
    "el": "greek",
    "en": "english",
    "es": "spanish",
    "eu": "basque",
    "fi": "finnish",
    "fr": "french",
    "ga": "irish",
    "hi": "hindi",
    "hu": "hungarian",
    "hy": "armenian",
    "id": "indonesian",
    "it": "italian",
    "lt": "lithuanian",
    "ne": "nepali",
    "nl": "dutch",
    "no": "norwegian",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "sr": "serbian",
    "sv": "swedish",
    "ta": "tamil",
    "tr": "turkish",
    "yi": "yiddish",
}  # fmt: skip  (ruff would put each language on a line of its own)
