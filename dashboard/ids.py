"""Component ids, one constant each, so pages, callbacks and browser tests agree on them."""

# shell
NAV = "nav"
URL_SYNC = "url-sync"  # dummy output of the clientside callbacks that write filters into the query string

# overview
OV_INDICATOR = "ov-indicator"
OV_YEAR = "ov-year"
OV_REGION = "ov-region"
OV_SUBREGION = "ov-subregion"
OV_FACTOR = "ov-factor"
OV_STATUS = "ov-status"
OV_LIST = "ov-list"
OV_MAP = "ov-map"
OV_LEGEND = "ov-legend"
OV_TABLE = "ov-table"
OV_QUERY = "ov-query"
OV_NAV = "ov-nav"
OV_NOTICE = "ov-notice"
OV_LOOKUP = "ov-lookup"  # menus the browser fills itself (clientside callbacks)
OV_FILTERS = "ov-filters"  # the filter row, folded behind a button on a phone (assets/phone.js)
NAV_LINKS = "nav-links"  # the navigation's links, folded behind a menu button on a phone

# country
CO_YEARS = "co-years"
CO_TYPES = "co-types"
CO_EVENT_MAP = "co-event-map"
CO_EVENT_NOTE = "co-event-note"
CO_EVENT_TABLE = "co-event-table"
CO_QUERY = "co-query"
CO_ISO3 = "co-iso3"
CO_RISK_BADGE = "co-risk-badge"
CO_CARDS = "co-cards"

# tables under charts filled when their <details> is first opened (pattern-matching ids: {"type": …, "index": key})
LAZY_SUMMARY = "lazy-summary"
LAZY_TABLE = "lazy-table"
LAZY_SOURCE = "lazy-source"

# explore
EX_REGION = "ex-region"
EX_SUBREGION = "ex-subregion"
EX_FACTOR = "ex-factor"
EX_STATUS = "ex-status"
EX_INDICATORS = "ex-indicators"
EX_YEARS = "ex-years"
EX_VIOLENCE = "ex-violence"
EX_RISK = "ex-risk"
EX_COUNTRIES = "ex-countries"
EX_X = "ex-x"
EX_Y = "ex-y"
EX_SERIES = "ex-series"
EX_SCATTER = "ex-scatter"
EX_GRID = "ex-grid"
EX_COUNT = "ex-count"
EX_DOWNLOAD_BTN = "ex-download-btn"
EX_DOWNLOAD = "ex-download"
EX_GRID_CSV_BTN = "ex-grid-csv-btn"
EX_QUERY = "ex-query"
EX_SHOWN = "ex-shown"  # what the series, scatter and grid on screen were drawn from (partial answers)
EX_NOTICE = "ex-notice"
EX_LOOKUP = "ex-lookup"  # menus the browser fills itself (clientside callbacks)
EX_COMPARE = "ex-compare"  # the country whose fatalities are compared across UCDP, ACLED and HDX HAPI
EX_COMPARE_OUT = "ex-compare-out"

# sources
SO_REJECT_SOURCE = "so-reject-source"
SO_REJECT_PAGE = "so-reject-page"
SO_REJECTS = "so-rejects"
SO_REJECT_INFO = "so-reject-info"
SO_QUERY = "so-query"

# anchors and landmarks that tests, the section menu and links address (no callback reads them)
CO_CLOSE_MATCHES = "close-matches"
CO_NOT_FOUND = "country-not-found"
CO_NAME = "co-name"
CO_NOTICE = "co-notice"
CO_MENU = "co-menu"
CO_LEVEL_AGE = "co-level-age"
CO_LEVEL = "co-level"
CO_EWP = "co-ewp"
CO_SUMMARY = "co-summary"
CO_ELEVATED = "co-elevated"
CO_WATCHLISTS = "co-watchlists"
CO_IDP_NOTE = "co-idp-note"
CO_NARRATIVE = "co-narrative"
CO_NARRATIVE_STALE = "co-narrative-stale"
SO_SOURCES_TABLE = "sources-table"
SO_NOTICE = "so-notice"
SO_INDICATOR_CATALOG = "indicator-catalog"
