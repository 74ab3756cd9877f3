//! The demo catalog's hand-written items: believable products chosen so that every
//! barcode form the gateway understands has something to find.
//!
//! Brands and titles are invented; numbers are valid GS1 numbers (a test checks
//! every check digit). Prices are decimal strings in the item's home currency.
//!
//! | GTIN (as stored, GTIN-14) | scan / type this | title | demonstrates |
//! |---|---|---|---|
//! | `00036000291452` | `036000291452` | Cloudsoft Facial Tissue, 3-Ply, 120 Sheets | UPC-A (GTIN-12) |
//! | `00012345678905` | `012345678905` | Acme Mills Organic Rolled Oats 18 oz | UPC-A; the contract's example |
//! | `00042100005264` | `04252614` or `042100005264` | Golden Prairie Honey Graham Crackers 14.4 oz | UPC-E `04252614` expands to this UPC-A |
//! | `00070038123453` | `070038123453` | Bright Harbor Dish Soap, Lemon, 24 fl oz | UPC-A |
//! | `00085000120439` | `085000120439` | Summit Trail Peanut Butter Protein Bars, 12 x 60 g | UPC-A |
//! | `00068131004205` | `068131004205` | Redwood Creek Cold Brew Coffee Concentrate 32 fl oz | UPC-A, out of stock |
//! | `00074329100574` | `074329100574` | Northfield Whole Milk Greek Yogurt, Plain, 32 oz | UPC-A |
//! | `00016000275287` | `016000275287` | Morning Crisp Honey Nut Toasted Oats 15.4 oz | UPC-A |
//! | `00088000040134` | `088000040134` | Lakeshore Kitchen Extra Virgin Olive Oil 25.5 fl oz | UPC-A |
//! | `00038000135170` | `038000135170` | Crisp & Co. Sea Salt Kettle Chips 8 oz | UPC-A, low stock |
//! | `00079400112101` | `079400112101` | Evercare Sensitive Skin Body Wash 18 fl oz | UPC-A |
//! | `00060444102050` | `060444102050` | Pinewood Naturals Cedar & Sage Candle 14 oz | UPC-A, discontinued |
//! | `00028400123563` | `028400123563` | Canyon Ridge Restaurant Style Tortilla Chips 13 oz | UPC-A |
//! | `00071846001155` | `071846001155` | Ironclad AA Alkaline Batteries, 24 Pack | UPC-A with only a few fields set |
//! | `04012345000122` | `4012345000122` | Bergquell Mineralwasser Classic 6 x 1,5 l | EAN-13, Germany (EUR) |
//! | `04023588000503` | `4023588000503` | Hofgut Bio Dinkel-Vollkornspaghetti 500 g | EAN-13, Germany (EUR) |
//! | `05000159001144` | `5000159001144` | Thistledown All Butter Shortbread Fingers 300 g | EAN-13, UK (GBP) |
//! | `05012345670102` | `5012345670102` | Brackenbury English Breakfast Tea, 80 Bags | EAN-13, UK (GBP) |
//! | `05036000007713` | `5036000007713` | Harrowgate Mature Cheddar 400 g | EAN-13, UK (GBP), low stock |
//! | `08001234560010` | `8001234560010` | Fattoria del Sole Passata di Pomodoro 700 g | EAN-13, Italy (EUR) |
//! | `08412345001024` | `8412345001024` | Olivar del Sur Aceite de Oliva Virgen Extra 1 l | EAN-13, Spain (EUR) |
//! | `08712345000639` | `8712345000639` | Molenhoek Echte Stroopwafels 8 Stuks | EAN-13, Netherlands (EUR) |
//! | `07301234050315` | `7301234050315` | Fjällbacka Knäckebröd Råg 520 g | EAN-13, Sweden (SEK) |
//! | `05412345000211` | `5412345000211` | Brasserie Vandevelde Tripel 33 cl | EAN-13, Belgium (EUR) |
//! | `03760123000451` | `3760123000451` | Maison Lavande Savon de Marseille 300 g | EAN-13, France (EUR) |
//! | `09001234500015` | `9001234500015` | Alpenhof Bergkäse 250 g | EAN-13, Austria (EUR), out of stock |
//! | `05701234500018` | `5701234500018` | Nordlys Rugbrød 1 kg | EAN-13, Denmark (DKK) |
//! | `05901234123457` | `5901234123457` | Kraina Smaku Pierogi Ruskie 450 g | EAN-13, Poland (PLN); GS1's textbook number |
//! | `07612345000107` | `7612345000107` | Gletscherblick Alpenmilch-Schokolade 100 g | EAN-13, Switzerland (CHF) |
//! | `00000096385074` | `96385074` | Minzfrisch Pfefferminz-Dragees 40 g | EAN-8 |
//! | `00000050123452` | `50123452` | Pocket Pals Fruit Pastilles 52 g | EAN-8, UK (GBP) |
//! | `00000047112346` | `47112346` | Formosa Hills High Mountain Oolong, 10 Sachets | EAN-8, Taiwan (TWD) |
//! | `10036000291459` | `10036000291459` | Cloudsoft Facial Tissue 120 Sheets, Case of 36 | GTIN-14 case pack of `036000291452` (indicator 1) |
//! | `10012345678902` | `10012345678902` | Acme Mills Organic Rolled Oats 18 oz, Case of 12 | GTIN-14 case pack of `012345678905` |
//! | `09780471117094` | `9780471117094` | Signals and Systems: A Practical Introduction | Book, ISBN-13 (978) |
//! | `09781857982183` | `9781857982183` | The Long Orbit | Book, ISBN-13 (978), UK (GBP) |
//! | `02011122000005` | label `2011122912346` | Deli Counter Honey Roast Ham, per kg | Variable measure (UK): lookup key with price zeroed |
//! | `02388060100006` | its zeroed lookup key | Charkdisken Falukorv, per kg | Variable measure (Sweden): lookup key |
//! | `09771144875007` | `9771144875007` | Harbourside Weekly, Issue 07 | Magazine, ISSN 1144-875X (977) |
//! | `09506000134352` | `https://id.gs1.org/01/09506000134352/10/LOT42?17=270131` | Dal Giardino Risotto Rice with Mushrooms 1 kg | 2D: lot and expiry (QR Digital Link or DataMatrix) |
//! | `94012345000200` | `]C1` `01 94012345000200 3103 000852 17 261205 10 L2611` GS `3922 0749` | Bergquell Hof Frische Hähnchenbrustfilets, per kg | 2D: net weight, price, use-by date |
//! | `04012345000306` | `]d2` `01 04012345000306 17 280400 10 B4711` GS `21 SN8842X` | Apotheka Ibuprofen 400 mg, 20 Tabletten | 2D: serial, lot, expiry with day 00 |

/// One hand-written item; `images` holds alt texts, URLs are derived from the GTIN.
pub(crate) struct Curated {
    /// The GTIN in any 8/12/13/14-digit form (the catalog keys it canonically).
    pub(crate) gtin: &'static str,
    pub(crate) title: &'static str,
    pub(crate) brand: Option<&'static str>,
    pub(crate) description: Option<&'static str>,
    /// `(amount, currency)`.
    pub(crate) price: Option<(&'static str, &'static str)>,
    pub(crate) images: &'static [&'static str],
    pub(crate) categories: &'static [&'static str],
    pub(crate) attributes: &'static [(&'static str, Option<&'static str>)],
    pub(crate) availability: &'static str,
    pub(crate) updated_at: &'static str,
}

const FRONT: &[&str] = &["front"];
const FRONT_BACK: &[&str] = &["front", "back"];

/// Every hand-written item (see the table in the module doc).
pub(crate) const CURATED: &[Curated] = &[
    // ---- UPC-A (GTIN-12), North America, USD ----
    Curated {
        gtin: "036000291452",
        title: "Cloudsoft Facial Tissue, 3-Ply, 120 Sheets",
        brand: Some("Cloudsoft"),
        description: Some(
            "Ultra-soft three-ply facial tissue with a touch of lotion, in an upright cube box.",
        ),
        price: Some(("2.49", "USD")),
        images: FRONT_BACK,
        categories: &["Household", "Paper Goods", "Facial Tissue"],
        attributes: &[("ply", Some("3")), ("count", Some("120")), ("scent", None)],
        availability: "IN_STOCK",
        updated_at: "2026-11-18T14:02:00Z",
    },
    Curated {
        gtin: "012345678905",
        title: "Acme Mills Organic Rolled Oats 18 oz",
        brand: Some("Acme Mills"),
        description: Some("Whole grain rolled oats."),
        price: Some(("4.99", "USD")),
        images: FRONT,
        categories: &["Grocery", "Breakfast", "Cereal"],
        attributes: &[("size", Some("18 oz")), ("color", None)],
        availability: "IN_STOCK",
        updated_at: "2026-11-20T08:15:00Z",
    },
    Curated {
        gtin: "042100005264",
        title: "Golden Prairie Honey Graham Crackers 14.4 oz",
        brand: Some("Golden Prairie"),
        description: Some(
            "Crisp honey graham crackers baked with whole wheat flour. Printed with the 8-digit UPC-E 04252614.",
        ),
        price: Some(("3.79", "USD")),
        images: FRONT_BACK,
        categories: &["Grocery", "Snacks", "Crackers"],
        attributes: &[("size", Some("14.4 oz")), ("upcE", Some("04252614"))],
        availability: "LOW_STOCK",
        updated_at: "2026-11-02T09:40:00Z",
    },
    Curated {
        gtin: "070038123453",
        title: "Bright Harbor Dish Soap, Lemon, 24 fl oz",
        brand: Some("Bright Harbor"),
        description: Some("Concentrated lemon dish liquid that cuts grease on contact."),
        price: Some(("3.29", "USD")),
        images: FRONT,
        categories: &["Household", "Cleaning", "Dish Soap"],
        attributes: &[("size", Some("24 fl oz")), ("scent", Some("Lemon"))],
        availability: "IN_STOCK",
        updated_at: "2026-10-29T17:25:00Z",
    },
    Curated {
        gtin: "085000120439",
        title: "Summit Trail Peanut Butter Protein Bars, 12 x 60 g",
        brand: Some("Summit Trail"),
        description: Some("Chewy peanut butter bars with 20 g of protein each."),
        price: Some(("17.99", "USD")),
        images: FRONT_BACK,
        categories: &["Grocery", "Snacks", "Bars"],
        attributes: &[
            ("count", Some("12")),
            ("protein", Some("20 g")),
            ("glutenFree", Some("true")),
        ],
        availability: "IN_STOCK",
        updated_at: "2026-11-11T06:00:00Z",
    },
    Curated {
        gtin: "068131004205",
        title: "Redwood Creek Cold Brew Coffee Concentrate 32 fl oz",
        brand: Some("Redwood Creek"),
        description: Some(
            "Slow-steeped for 20 hours; mix one part concentrate with two parts water or milk.",
        ),
        price: Some(("9.49", "USD")),
        images: FRONT,
        categories: &["Beverages", "Coffee", "Cold Brew"],
        attributes: &[("size", Some("32 fl oz")), ("roast", Some("Medium"))],
        availability: "OUT_OF_STOCK",
        updated_at: "2026-11-21T12:10:00Z",
    },
    Curated {
        gtin: "074329100574",
        title: "Northfield Whole Milk Greek Yogurt, Plain, 32 oz",
        brand: Some("Northfield Dairy"),
        description: Some("Thick, strained whole milk yogurt with live active cultures."),
        price: Some(("5.99", "USD")),
        images: FRONT,
        categories: &["Dairy", "Yogurt"],
        attributes: &[("size", Some("32 oz")), ("fat", Some("whole milk"))],
        availability: "IN_STOCK",
        updated_at: "2026-11-24T05:30:00Z",
    },
    Curated {
        gtin: "016000275287",
        title: "Morning Crisp Honey Nut Toasted Oats 15.4 oz",
        brand: Some("Morning Crisp"),
        description: Some("Toasted whole grain oat rings with real honey and almond flavor."),
        price: Some(("4.29", "USD")),
        images: FRONT_BACK,
        categories: &["Grocery", "Breakfast", "Cereal"],
        attributes: &[("size", Some("15.4 oz"))],
        availability: "IN_STOCK",
        updated_at: "2026-11-15T10:45:00Z",
    },
    Curated {
        gtin: "088000040134",
        title: "Lakeshore Kitchen Extra Virgin Olive Oil 25.5 fl oz",
        brand: Some("Lakeshore Kitchen"),
        description: Some("Cold-pressed extra virgin olive oil for dressings and finishing."),
        price: Some(("11.99", "USD")),
        images: FRONT,
        categories: &["Grocery", "Pantry", "Oils & Vinegars"],
        attributes: &[
            ("size", Some("25.5 fl oz")),
            ("origin", Some("Spain, Italy, Greece")),
        ],
        availability: "IN_STOCK",
        updated_at: "2026-09-30T16:00:00Z",
    },
    Curated {
        gtin: "038000135170",
        title: "Crisp & Co. Sea Salt Kettle Chips 8 oz",
        brand: Some("Crisp & Co."),
        description: Some("Thick-cut potato chips kettle-cooked in small batches."),
        price: Some(("3.99", "USD")),
        images: FRONT,
        categories: &["Grocery", "Snacks", "Chips"],
        attributes: &[("size", Some("8 oz")), ("flavor", Some("Sea Salt"))],
        availability: "LOW_STOCK",
        updated_at: "2026-11-19T13:20:00Z",
    },
    Curated {
        gtin: "079400112101",
        title: "Evercare Sensitive Skin Body Wash 18 fl oz",
        brand: Some("Evercare"),
        description: Some("Fragrance-free, dermatologist-tested body wash for sensitive skin."),
        price: Some(("6.49", "USD")),
        images: FRONT_BACK,
        categories: &["Health & Beauty", "Bath & Body", "Body Wash"],
        attributes: &[("size", Some("18 fl oz")), ("fragranceFree", Some("true"))],
        availability: "IN_STOCK",
        updated_at: "2026-10-12T08:05:00Z",
    },
    Curated {
        gtin: "060444102050",
        title: "Pinewood Naturals Cedar & Sage Candle 14 oz",
        brand: Some("Pinewood Naturals"),
        description: Some("Soy wax candle in an amber glass jar, about 60 hours of burn time."),
        price: Some(("18.00", "USD")),
        images: FRONT,
        categories: &["Home", "Decor", "Candles"],
        attributes: &[("size", Some("14 oz")), ("burnTime", Some("60 h"))],
        availability: "DISCONTINUED",
        updated_at: "2026-03-01T00:00:00Z",
    },
    Curated {
        gtin: "028400123563",
        title: "Canyon Ridge Restaurant Style Tortilla Chips 13 oz",
        brand: Some("Canyon Ridge"),
        description: Some("Thin white corn tortilla chips, lightly salted."),
        price: Some(("4.49", "USD")),
        images: FRONT,
        categories: &["Grocery", "Snacks", "Chips"],
        attributes: &[("size", Some("13 oz"))],
        availability: "IN_STOCK",
        updated_at: "2026-11-08T11:00:00Z",
    },
    Curated {
        gtin: "071846001155",
        title: "Ironclad AA Alkaline Batteries, 24 Pack",
        brand: None,
        description: None,
        price: Some(("19.99", "USD")),
        images: &[],
        categories: &["Electronics", "Batteries"],
        attributes: &[],
        availability: "IN_STOCK",
        updated_at: "2026-07-04T09:00:00Z",
    },
    // ---- EAN-13 (GTIN-13), Europe ----
    Curated {
        gtin: "4012345000122",
        title: "Bergquell Mineralwasser Classic 6 x 1,5 l",
        brand: Some("Bergquell"),
        description: Some("Natürliches Mineralwasser mit Kohlensäure, Mehrweg-PET."),
        price: Some(("4.14", "EUR")),
        images: FRONT,
        categories: &["Beverages", "Water", "Sparkling Water"],
        attributes: &[("size", Some("6 x 1.5 l")), ("deposit", Some("1.50 EUR"))],
        availability: "IN_STOCK",
        updated_at: "2026-11-23T07:45:00Z",
    },
    Curated {
        gtin: "4023588000503",
        title: "Hofgut Bio Dinkel-Vollkornspaghetti 500 g",
        brand: Some("Hofgut"),
        description: Some("Spaghetti aus Bio-Dinkelvollkorn, Kochzeit 8 Minuten."),
        price: Some(("2.29", "EUR")),
        images: FRONT_BACK,
        categories: &["Grocery", "Pantry", "Pasta"],
        attributes: &[("size", Some("500 g")), ("organic", Some("true"))],
        availability: "IN_STOCK",
        updated_at: "2026-10-20T10:30:00Z",
    },
    Curated {
        gtin: "5000159001144",
        title: "Thistledown All Butter Shortbread Fingers 300 g",
        brand: Some("Thistledown"),
        description: Some(
            "Traditional Scottish shortbread, baked with butter and nothing else you would not expect.",
        ),
        price: Some(("2.75", "GBP")),
        images: FRONT,
        categories: &["Grocery", "Biscuits"],
        attributes: &[("size", Some("300 g")), ("origin", Some("Scotland"))],
        availability: "IN_STOCK",
        updated_at: "2026-11-01T12:00:00Z",
    },
    Curated {
        gtin: "5012345670102",
        title: "Brackenbury English Breakfast Tea, 80 Bags",
        brand: Some("Brackenbury"),
        description: Some("A brisk blend of Assam and Kenyan black teas."),
        price: Some(("3.10", "GBP")),
        images: FRONT,
        categories: &["Beverages", "Tea", "Black Tea"],
        attributes: &[("count", Some("80")), ("caffeinated", Some("true"))],
        availability: "IN_STOCK",
        updated_at: "2026-11-17T15:15:00Z",
    },
    Curated {
        gtin: "5036000007713",
        title: "Harrowgate Mature Cheddar 400 g",
        brand: Some("Harrowgate"),
        description: Some("Aged for nine months for a rich, rounded flavour."),
        price: Some(("3.85", "GBP")),
        images: FRONT,
        categories: &["Dairy", "Cheese", "Cheddar"],
        attributes: &[
            ("size", Some("400 g")),
            ("strength", Some("4")),
            ("vegetarian", Some("true")),
        ],
        availability: "LOW_STOCK",
        updated_at: "2026-11-22T09:00:00Z",
    },
    Curated {
        gtin: "8001234560010",
        title: "Fattoria del Sole Passata di Pomodoro 700 g",
        brand: Some("Fattoria del Sole"),
        description: Some("Passata di pomodori italiani, vellutata."),
        price: Some(("1.39", "EUR")),
        images: FRONT,
        categories: &["Grocery", "Pantry", "Sauces"],
        attributes: &[("size", Some("700 g")), ("origin", Some("Italy"))],
        availability: "IN_STOCK",
        updated_at: "2026-10-05T08:00:00Z",
    },
    Curated {
        gtin: "8412345001024",
        title: "Olivar del Sur Aceite de Oliva Virgen Extra 1 l",
        brand: Some("Olivar del Sur"),
        description: Some("Aceite de oliva virgen extra de Jaén, primera prensada en frío."),
        price: Some(("8.95", "EUR")),
        images: FRONT_BACK,
        categories: &["Grocery", "Pantry", "Oils & Vinegars"],
        attributes: &[("size", Some("1 l")), ("variety", Some("Picual"))],
        availability: "IN_STOCK",
        updated_at: "2026-11-09T18:30:00Z",
    },
    Curated {
        gtin: "8712345000639",
        title: "Molenhoek Echte Stroopwafels 8 Stuks",
        brand: Some("Molenhoek"),
        description: Some("Ambachtelijke stroopwafels met roomboter."),
        price: Some(("2.49", "EUR")),
        images: FRONT,
        categories: &["Grocery", "Biscuits"],
        attributes: &[("count", Some("8"))],
        availability: "IN_STOCK",
        updated_at: "2026-11-12T07:20:00Z",
    },
    Curated {
        gtin: "7301234050315",
        title: "Fjällbacka Knäckebröd Råg 520 g",
        brand: Some("Fjällbacka Bageri"),
        description: Some("Tunt knäckebröd på fullkornsråg."),
        price: Some(("32.90", "SEK")),
        images: FRONT,
        categories: &["Grocery", "Bakery", "Crispbread"],
        attributes: &[("size", Some("520 g"))],
        availability: "IN_STOCK",
        updated_at: "2026-10-27T06:50:00Z",
    },
    Curated {
        gtin: "5412345000211",
        title: "Brasserie Vandevelde Tripel 33 cl",
        brand: Some("Brasserie Vandevelde"),
        description: Some("Golden abbey-style tripel, refermented in the bottle."),
        price: Some(("2.19", "EUR")),
        images: FRONT,
        categories: &["Beverages", "Beer", "Belgian Ale"],
        attributes: &[
            ("volume", Some("33 cl")),
            ("abv", Some("8.5")),
            ("alcoholic", Some("true")),
        ],
        availability: "IN_STOCK",
        updated_at: "2026-11-14T16:40:00Z",
    },
    Curated {
        gtin: "3760123000451",
        title: "Maison Lavande Savon de Marseille 300 g",
        brand: Some("Maison Lavande"),
        description: Some("Savon cuit au chaudron, 72 % d'huiles végétales."),
        price: Some(("4.90", "EUR")),
        images: FRONT,
        categories: &["Health & Beauty", "Bath & Body", "Soap"],
        attributes: &[("size", Some("300 g")), ("scent", None)],
        availability: "IN_STOCK",
        updated_at: "2026-09-18T11:10:00Z",
    },
    Curated {
        gtin: "9001234500015",
        title: "Alpenhof Bergkäse 250 g",
        brand: Some("Alpenhof"),
        description: Some("Würziger Bergkäse aus Heumilch, 6 Monate gereift."),
        price: Some(("4.59", "EUR")),
        images: FRONT,
        categories: &["Dairy", "Cheese"],
        attributes: &[("size", Some("250 g")), ("aged", Some("6 months"))],
        availability: "OUT_OF_STOCK",
        updated_at: "2026-11-25T05:00:00Z",
    },
    Curated {
        gtin: "5701234500018",
        title: "Nordlys Rugbrød 1 kg",
        brand: Some("Nordlys"),
        description: Some("Groft rugbrød med hele kerner."),
        price: Some(("28.95", "DKK")),
        images: FRONT,
        categories: &["Grocery", "Bakery", "Bread"],
        attributes: &[("size", Some("1 kg"))],
        availability: "IN_STOCK",
        updated_at: "2026-11-25T04:30:00Z",
    },
    Curated {
        gtin: "5901234123457",
        title: "Kraina Smaku Pierogi Ruskie 450 g",
        brand: Some("Kraina Smaku"),
        description: Some("Pierogi z ziemniakami i twarogiem."),
        price: Some(("9.99", "PLN")),
        images: FRONT,
        categories: &["Frozen", "Ready Meals"],
        attributes: &[("size", Some("450 g")), ("vegetarian", Some("true"))],
        availability: "IN_STOCK",
        updated_at: "2026-11-06T13:00:00Z",
    },
    Curated {
        gtin: "7612345000107",
        title: "Gletscherblick Alpenmilch-Schokolade 100 g",
        brand: Some("Gletscherblick"),
        description: Some("Milchschokolade mit Schweizer Alpenmilch."),
        price: Some(("2.40", "CHF")),
        images: FRONT_BACK,
        categories: &["Grocery", "Confectionery", "Chocolate"],
        attributes: &[("size", Some("100 g")), ("cocoa", Some("32%"))],
        availability: "IN_STOCK",
        updated_at: "2026-11-10T09:30:00Z",
    },
    // ---- EAN-8 (GTIN-8) ----
    Curated {
        gtin: "96385074",
        title: "Minzfrisch Pfefferminz-Dragees 40 g",
        brand: Some("Minzfrisch"),
        description: Some("Zuckerfreie Pfefferminzdragees in der Taschendose."),
        price: Some(("1.19", "EUR")),
        images: FRONT,
        categories: &["Grocery", "Confectionery", "Mints"],
        attributes: &[("size", Some("40 g")), ("sugarFree", Some("true"))],
        availability: "IN_STOCK",
        updated_at: "2026-11-03T10:00:00Z",
    },
    Curated {
        gtin: "50123452",
        title: "Pocket Pals Fruit Pastilles 52 g",
        brand: Some("Pocket Pals"),
        description: Some("Chewy fruit pastilles in a pocket-sized tube."),
        price: Some(("0.85", "GBP")),
        images: FRONT,
        categories: &["Grocery", "Confectionery", "Sweets"],
        attributes: &[("size", Some("52 g"))],
        availability: "LOW_STOCK",
        updated_at: "2026-10-31T19:00:00Z",
    },
    Curated {
        gtin: "47112346",
        title: "Formosa Hills High Mountain Oolong, 10 Sachets",
        brand: Some("Formosa Hills"),
        description: Some("Lightly oxidised oolong from Alishan, in pyramid sachets."),
        price: Some(("180", "TWD")),
        images: FRONT,
        categories: &["Beverages", "Tea", "Oolong"],
        attributes: &[("count", Some("10"))],
        availability: "IN_STOCK",
        updated_at: "2026-08-22T03:00:00Z",
    },
    // ---- GTIN-14 case packs (indicator digit 1) ----
    Curated {
        gtin: "10036000291459",
        title: "Cloudsoft Facial Tissue 120 Sheets, Case of 36",
        brand: Some("Cloudsoft"),
        description: Some("Shipper case of 36 boxes of 036000291452."),
        price: Some(("79.99", "USD")),
        images: FRONT,
        categories: &["Household", "Paper Goods", "Facial Tissue"],
        attributes: &[
            ("packQuantity", Some("36")),
            ("contains", Some("00036000291452")),
        ],
        availability: "IN_STOCK",
        updated_at: "2026-11-18T14:02:00Z",
    },
    Curated {
        gtin: "10012345678902",
        title: "Acme Mills Organic Rolled Oats 18 oz, Case of 12",
        brand: Some("Acme Mills"),
        description: Some("Case of 12 canisters of 012345678905."),
        price: Some(("54.00", "USD")),
        images: FRONT,
        categories: &["Grocery", "Breakfast", "Cereal"],
        attributes: &[
            ("packQuantity", Some("12")),
            ("contains", Some("00012345678905")),
        ],
        availability: "LOW_STOCK",
        updated_at: "2026-11-20T08:15:00Z",
    },
    // ---- Books (ISBN-13, prefix 978) ----
    Curated {
        gtin: "9780471117094",
        title: "Signals and Systems: A Practical Introduction",
        brand: Some("Wexford Academic"),
        description: Some(
            "A first course in continuous and discrete signals, with worked examples.",
        ),
        price: Some(("89.95", "USD")),
        images: FRONT_BACK,
        categories: &["Books", "Science & Technology", "Engineering"],
        attributes: &[
            ("isbn10", Some("0471117099")),
            ("format", Some("Hardcover")),
            ("pages", Some("612")),
        ],
        availability: "IN_STOCK",
        updated_at: "2026-06-15T12:00:00Z",
    },
    Curated {
        gtin: "9781857982183",
        title: "The Long Orbit",
        brand: Some("Meridian Books"),
        description: Some(
            "A generation ship, a failing reactor, and the last navigator who remembers Earth.",
        ),
        price: Some(("8.99", "GBP")),
        images: FRONT,
        categories: &["Books", "Fiction", "Science Fiction"],
        attributes: &[
            ("isbn10", Some("1857982185")),
            ("format", Some("Paperback")),
            ("pages", Some("384")),
        ],
        availability: "IN_STOCK",
        updated_at: "2026-05-02T12:00:00Z",
    },
    // ---- Variable-measure items, stored under their price-zeroed lookup key ----
    Curated {
        gtin: "02011122000005",
        title: "Deli Counter Honey Roast Ham, per kg",
        brand: None,
        description: Some(
            "Sliced to order at the deli counter; labels such as 2011122912346 carry the price.",
        ),
        price: Some(("12.50", "GBP")),
        images: FRONT,
        categories: &["Fresh", "Deli", "Cooked Meats"],
        attributes: &[
            ("soldBy", Some("weight")),
            ("unit", Some("kg")),
            ("region", Some("GB")),
        ],
        availability: "IN_STOCK",
        updated_at: "2026-11-26T06:00:00Z",
    },
    Curated {
        gtin: "02388060100006",
        title: "Charkdisken Falukorv, per kg",
        brand: None,
        description: Some("Klassisk falukorv från charkdisken, vägs i butik."),
        price: Some(("89.00", "SEK")),
        images: FRONT,
        categories: &["Fresh", "Deli", "Sausages"],
        attributes: &[
            ("soldBy", Some("weight")),
            ("unit", Some("kg")),
            ("region", Some("SE")),
        ],
        availability: "IN_STOCK",
        updated_at: "2026-11-26T06:00:00Z",
    },
    // ---- Serial publication (ISSN, prefix 977) ----
    Curated {
        gtin: "9771144875007",
        title: "Harbourside Weekly, Issue 07",
        brand: Some("Harbourside Media"),
        description: Some("Local news, food and culture from the harbour towns."),
        price: Some(("4.50", "GBP")),
        images: FRONT,
        categories: &["Magazines", "News & Current Affairs"],
        attributes: &[("issn", Some("1144-875X")), ("issue", Some("07"))],
        availability: "IN_STOCK",
        updated_at: "2026-11-19T05:00:00Z",
    },
    // ---- 2D codes at the till: lots, dates, serials, weights (see EXAMPLE_SCANS) ----
    Curated {
        gtin: "09506000134352",
        title: "Dal Giardino Risotto Rice with Mushrooms 1 kg",
        brand: Some("Dal Giardino"),
        description: Some(
            "Arborio risotto rice with porcini mushrooms; GS1's own Digital Link example product.",
        ),
        price: Some(("5.49", "EUR")),
        images: FRONT_BACK,
        categories: &["Grocery", "Rice & Grains", "Risotto"],
        attributes: &[
            ("size", Some("1 kg")),
            ("barcode", Some("GS1 DataMatrix / QR")),
        ],
        availability: "IN_STOCK",
        updated_at: "2026-11-27T07:30:00Z",
    },
    Curated {
        gtin: "94012345000200",
        title: "Bergquell Hof Frische Hähnchenbrustfilets, per kg",
        brand: Some("Bergquell Hof"),
        description: Some(
            "Fresh chicken breast fillets; each pack carries its weight, price and use-by date.",
        ),
        price: Some(("8.79", "EUR")),
        images: FRONT,
        categories: &["Fresh", "Meat & Poultry", "Chicken"],
        attributes: &[("soldBy", Some("weight")), ("unit", Some("kg"))],
        availability: "IN_STOCK",
        updated_at: "2026-11-28T05:45:00Z",
    },
    Curated {
        gtin: "04012345000306",
        title: "Apotheka Ibuprofen 400 mg, 20 Tabletten",
        brand: Some("Apotheka"),
        description: Some("Film-coated tablets; every pack has its own serial number (EU FMD)."),
        price: Some(("4.95", "EUR")),
        images: FRONT_BACK,
        categories: &["Health", "Pain Relief"],
        attributes: &[("strength", Some("400 mg")), ("count", Some("20"))],
        availability: "LOW_STOCK",
        updated_at: "2026-11-25T12:00:00Z",
    },
];

/// Example scans of the curated 2D items, as a scanner sends them (GS is ASCII 29
/// after a variable-length field): `(scan, what it shows)`.
#[cfg(test)]
pub(crate) const EXAMPLE_SCANS: &[(&str, &str)] = &[
    (
        "https://id.gs1.org/01/09506000134352/10/LOT42?17=270131",
        "QR Digital Link: lot LOT42, expiry 2027-01-31",
    ),
    (
        "]d201095060001343521727013110LOT42",
        "the same pack as a GS1 DataMatrix element string",
    ),
    (
        "]d201095060001343521725063010LOT17",
        "an expired pack (2025-06-30): the line is FOUND and `expired: true`",
    ),
    (
        "]C1019401234500020031030008521726120510L2611\u{1d}39220749",
        "weighed chicken: 0.852 kg, price 7.49, use by 2026-12-05, lot L2611",
    ),
    (
        "]d201040123450003061728040010B4711\u{1d}21SN8842X",
        "a medicine pack: expiry day 00 = 2028-04-30, lot B4711, serial SN8842X",
    ),
];

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::gtin::Gtin;

    #[test]
    fn every_curated_gtin_is_a_valid_gtin() {
        for item in CURATED {
            assert!(
                Gtin::from_digits(item.gtin).is_ok(),
                "{} ({}) is not valid",
                item.gtin,
                item.title
            );
        }
    }

    #[test]
    fn no_two_curated_items_share_a_gtin() {
        let mut seen = HashSet::new();
        for item in CURATED {
            assert!(
                seen.insert(Gtin::from_digits(item.gtin).unwrap()),
                "{} is listed twice",
                item.gtin
            );
        }
    }

    #[test]
    fn every_curated_item_has_a_contract_availability_and_a_decimal_price() {
        for item in CURATED {
            assert!(
                ["IN_STOCK", "LOW_STOCK", "OUT_OF_STOCK", "DISCONTINUED"]
                    .contains(&item.availability),
                "{}",
                item.gtin
            );
            if let Some((amount, currency)) = item.price {
                let (whole, fraction) = amount.split_once('.').unwrap_or((amount, "0"));
                assert!(
                    whole
                        .bytes()
                        .chain(fraction.bytes())
                        .all(|b| b.is_ascii_digit()),
                    "{amount}"
                );
                assert_eq!(currency.len(), 3, "{currency}");
            }
        }
    }

    #[test]
    fn the_documented_item_numbers_are_all_curated() {
        // The forms the README and docs/demo-catalog.md promise; each must parse and be present.
        let documented = [
            "036000291452",
            "042100005264",
            "10036000291459",
            "96385074",
            "9780471117094",
            "9781857982183",
            "02011122000005",
            "02388060100006",
            "9771144875007",
        ];
        let curated: HashSet<Gtin> = CURATED
            .iter()
            .map(|i| Gtin::from_digits(i.gtin).unwrap())
            .collect();
        for gtin in documented {
            assert!(
                curated.contains(&Gtin::from_digits(gtin).unwrap()),
                "{gtin} missing"
            );
        }
    }

    #[test]
    fn every_example_scan_names_a_curated_item_and_carries_a_lot() {
        let curated: HashSet<Gtin> = CURATED
            .iter()
            .map(|i| Gtin::from_digits(i.gtin).unwrap())
            .collect();
        for (code, _) in EXAMPLE_SCANS {
            let scan = crate::gtin::scan(code, None).unwrap();
            assert!(curated.contains(&scan.parsed().gtin), "{code}");
            assert!(scan.lot().is_some() && scan.expiry().is_some(), "{code}");
        }
    }

    #[test]
    fn the_case_pack_wraps_the_tissue_item() {
        let case = Gtin::from_digits("10036000291459").unwrap();
        let unit = Gtin::from_digits("036000291452").unwrap();
        assert_eq!(case.indicator(), 1);
        assert_eq!(case.gtin14()[1..13], unit.gtin14()[1..13]);
    }
}
