"""Getting news in: feeds fetched and parsed into FeedItems, pages cleaned into articles.

    fetch      Fetcher: HTTP(S) and local-file fetching (size cap, timeouts, redirects one by
               one), every failure a FetchError in plain words
    netguard   whether a fetch may connect: PublicResolver, LocalAddressError, the literal
               address and redirect checks (what counts as local is bot.addresses)
    parse      parse_feed: RSS, Atom and JSON Feed bodies into plain-text FeedItems
    html       HTML to plain text: html_to_text (one line), strip_html_keep_lines
    dates      feed dates to ISO 8601 UTC text
    urls       canonical URLs: tracking parameters dropped, aggregator redirects unwrapped
    clean      clean_page: a captured news page into its article (CleanArticle)
    seeds      load_seeds: the baseline articles of the seeds folder and their metadata
"""
