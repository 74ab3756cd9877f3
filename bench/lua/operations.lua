-- The operation texts of the side-by-side workloads whose text is the same in every
-- request, in one place: the vs_*.lua scripts send them, and bench/lua/manifest.lua
-- prints them for the production run's trusted-documents manifest, so the manifest
-- holds exactly the bytes the scripts send (a trusted full text is matched by the
-- SHA-256 of its bytes). The aliases workload writes its GTINs into the text, which
-- therefore changes per request and cannot be listed.
return {
  Product = 'query Product($gtin: String!) { product(gtin: $gtin) { gtin title brand price { amount currency } availability } }',
  Basket = 'query Basket($gtins: [String!]!) { products(gtins: $gtins) { gtin title brand price { amount currency } availability } }',
  Pos = 'query Pos($codes: [String!]!) { lookups(codes: $codes) { input status product { gtin title brand price { amount currency } availability } gtin { gtin14 kind } error { code reason } } }',
}
