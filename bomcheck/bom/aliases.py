"""The words people write in BOM headers and cells, per role and language: data only, no logic."""

from __future__ import annotations

# Header texts per role, best first. Matching ignores case, spaces and punctuation (but keeps '#':
# "Manf#" is an MPN, "Manf" a maker), full-width forms, and a trailing number ("MPN1",
# "Manufacturer 2") when the full text has no match. An alias may be listed for one role only.
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "mpn": (
        "MPN", "Manufacturer Part Number", "Mfr Part #", "Mfr. Part No.", "Mfr Part Number",
        "Mfr PN", "Mfg Part Number", "Mfg Part #", "Mfg PN", "Manufacturer Part #",
        "Manufacturer Part No.", "Manufacturer PN", "Manufacturer P/N", "MFRPN", "Manf#", "Manf Part #",
        "Manufacturer Part", "Mfr Part", "Manuf reference", "Manufacturer Reference", "Nume prod",
        "Part Number", "PartNumber", "Part No.", "Part #", "P/N", "MP",
        "Herstellerteilenummer", "Hersteller-Teilenummer", "Herstellerartikelnummer", "Teilenummer",
        "N. produttore", "Codice produttore", "Référence fabricant", "Numéro de pièce fabricant",
        "Número de parte del fabricante", "Numer katalogowy producenta",
        "Артикул производителя", "Партномер",
        "型号", "商品型号", "制造商型号", "厂家型号", "料号", "型番", "メーカー品番", "メーカー型番", "品番",
        "모델명", "부품번호", "Part name",
    ),
    "manufacturer": (
        "Manufacturer", "Manufacturer Name", "Mfr", "Mfr.", "Mfg", "Manf", "Manu", "Manuf", "MF", "Maker",
        "Vendor", "Prod", "Producător", "Hersteller", "Produttore", "Fabricant", "Fabricante", "Producent",
        "Производитель", "制造商", "厂商", "厂家", "品牌", "メーカー", "제조사",
    ),
    # Per-board quantities first: beside a plain or an order quantity, they win.
    "qty": (
        "Qty per board", "Qty/board", "Quantity per board", "Qty per PCB", "Quantity per PCB",
        "Quantity Per PCB", "Qty per set", "Quantity per set", "Qty per unit", "Menge pro Platine",
        "单套用量", "单板用量", "每板用量", "单块板消耗数量", "单块板消耗数量个", "单块板数量",
        "Qty", "Quantity", "Qty final", "Quan", "Qnty", "Qté", "Quantité", "Nombre", "Count", "Cantitate",
        "Menge", "Stückzahl", "Anzahl", "Stück", "Cantidad", "Cant.", "Quantità", "Q.tà", "Qtà",
        "Ilość", "Ilosc", "Szt.", "Кол.", "Кол-во", "Количество",
        "数量", "用量", "数", "個数", "数量(個)", "개수", "수량",
        # abbreviations and other languages: German, French, English, Portuguese, Dutch, Nordic, Turkish,
        # Czech, Hungarian, Russian
        "Anz.", "Anz", "Stk.", "Stk", "Stck.", "Nb", "Nb.", "Nbre", "Usage", "Amount", "Pcs", "Pieces",
        "Qtd", "Qtde", "Quantidade", "Aantal", "Antal", "Antall", "Kpl", "Määrä", "Adet", "Miktar", "Počet",
        "Mennyiség", "Darab", "Кол-во шт", "Шт.",
    ),
    "refdes": (
        "Designator", "Designators", "Reference", "References", "Reference(s)",
        "Reference Designator", "Reference Designators", "Ref Des", "RefDes", "Ref", "Refs",
        "Parts", "Part Reference", "Part References", "Customer Reference", "PCB designators",
        "Bezeichner", "Referenz", "Bauteil", "Repère", "Repères", "Oznaczenie",
        "Поз. обозначение", "Позиционное обозначение", "位号", "元件位号", "标号",
    ),
    "description": (
        "Description", "Desc", "Part Description", "Descriere", "Beschreibung", "Descrizione", "Descripción",
        "Opis", "Описание", "描述", "名称", "商品名称", "部品名", "부품명", "Comment", "Value",
    ),
    "digikey_pn": (
        "DigiKey Part Number", "Digi-Key PN", "DigiKey PN", "Digi-Key Part #", "DigiKey Part #",
        "DigiKey Part", "Digi-Key_PN", "DK PN", "DK Part Number", "DK Part #", "DigiKey",
    ),
    "dnp": (
        "DNP", "DNI", "DNF", "Do Not Populate", "Populate", "Populated", "Fitted", "Mount", "Place",
        "Placement", "ASSY", "Bestückt", "Bestückung", "Install Option", "Install",
        "Assembly Info", "Assembly Notes", "Notes", "Note", "Remarks", "Remark",
    ),
    "customer_pn": (
        "Internal PN", "Internal Part Number", "Internal P/N", "Internal Part #", "Customer PN",
        "Customer Part Number", "Customer Part #", "Customer #", "Customer No", "Customer No.", "Company PN",
        "Item Number", "CPN", "MRP", "物料编码",
    ),
    "attrition": ("Attrition", "Attrition %", "Overage", "Overage %", "Spares", "Extra", "Extra %"),
    "lcsc_pn": ("LCSC", "LCSC Part", "LCSC Part #", "LCSC Part Number", "LCSC PN", "JLCPCB Part #",
                "商品编号", "配单C编号", "立创编号"),
    "footprint": ("Footprint", "Package", "PCB Footprint", "Case", "Case/Package"),
    # A quantity to order or for the whole build, not per board: used only when nothing else says.
    "order_qty": (
        "Order Qty", "Order Quantity", "Qty to order", "Purchase Qty", "Buy Qty", "Total Qty",
        "Total Quantity", "Stück gesamt", "Gesamtmenge", "Bestellmenge", "Q.tà ordine", "Quantità ordine",
        "购买数量", "采购数量", "需求用量", "订购数量", "总数量",
    ),
    # A seller's own order number, the seller named per row (or not at all): read by the number's shape.
    "seller_pn": (
        "Order Number", "Order No", "Order No.", "Order Code", "Ordering Code", "Order #", "Bestellnummer",
        "Bestell-Nr.", "Bestellnr", "Artikelnummer", "Artikel-Nr.", "Art.-Nr.", "Supplier Part Number",
        "Supplier PN", "Supplier Part #", "Supplier Part", "Distributor Part Number", "Distributor PN",
        "Vendor Part Number", "Vendor PN", "SKU", "Stock Code", "Stock No", "Stock Number", "Code commande",
        "Référence fournisseur", "Código de pedido", "Numer katalogowy", "Номер заказа", "订货号",
    ),
    # The seller of each row ('MOUSER', 'Reichelt'), beside a seller_pn column.
    "seller": ("Distributor", "Supplier", "Händler", "Lieferant", "Shop", "Bezugsquelle",
               "Fournisseur", "Proveedor", "Dostawca", "Поставщик", "供应商"),
    # Second sources: every such column is read (a line may list several), paired with its maker.
    "alternate_mpn": (
        "Alt MPN", "Alternate MPN", "Alternative MPN", "Alternate Part Number", "Alternative Part Number",
        "Alternate Part #", "Alternate Part", "Alternative Part", "Alt Part Number", "Alt Part #", "Alt PN",
        "Alt P/N", "Alternate PN", "Alt Mfr Part Number", "Alt Mfr PN", "Alt Mfr Part #",
        "Alternate Manufacturer Part Number", "Alternate Mfr PN", "Alternate Mfr Part Number",
        "Second Source", "Second Source MPN", "Second Source Part Number", "2nd Source", "2nd Source MPN",
        "Alternate", "Alternative", "Alternates", "Alternatives", "Substitute", "Substitutes",
        "Substitute MPN", "Substitute Part Number", "Sub MPN", "Equivalent", "Equivalent MPN", "MPN Alt",
        "Alt", "Alternate Source", "Alternate Source MPN", "Ersatztyp", "Alternativteil",
    ),
    "alternate_manufacturer": (
        "Alt Manufacturer", "Alternate Manufacturer", "Alternative Manufacturer", "Alt Mfr", "Alt Mfg",
        "Alternate Mfr", "Alternate Mfg", "Alt Maker", "Second Source Manufacturer",
        "2nd Source Manufacturer", "Substitute Manufacturer", "Alternate Source Manufacturer",
    ),
}

# The component value column: read for not-fitted marks written there ('DNI', 'nicht bestückt', '(47u)').
VALUE_HEADERS = ("Value", "Values", "Wert", "Valor", "Valeur", "Valore", "Wartość", "Номинал", "Значение",
                 "値", "阻值", "容值", "参数", "값")

# dnp headers that say "fitted": there "no" means DNP (under DNP/DNI/DNF, "yes"/"x" does).
POSITIVE_DNP_HEADERS = ("Populate", "Populated", "Fitted", "Mount", "Place", "Placement", "ASSY",
                        "Bestückt", "Bestückung", "Install Option", "Install")
# dnp headers that hold free text: only an explicit DNP word or NF(...) there means DNP.
NOTES_DNP_HEADERS = ("Assembly Info", "Assembly Notes", "Notes", "Note", "Remarks", "Remark")

# Sellers as headers, group rows and cells name them, per role of their order numbers.
SELLERS: dict[str, tuple[str, ...]] = {
    "digikey_pn": ("digi-key", "digikey", "digi key"),
    "mouser_pn": ("mouser",),
    "lcsc_pn": ("lcsc", "jlcpcb", "jlc", "立创", "嘉立创"),
    "farnell_pn": ("farnell", "newark", "element14", "element 14"),
    "rs_pn": ("rs components", "rs-online", "rs online", "rs"),
    "tme_pn": ("tme",),
    "reichelt_pn": ("reichelt",),
    "arrow_pn": ("arrow",),
    "other_pn": ("conrad", "pollin", "chipdip", "chip-dip", "ebay", "aliexpress", "taobao", "akizuki", "秋月",
                 "future", "avnet", "tti", "verical", "octopart", "allpcb", "pcbway", "seeed"),
}
SELLER_NAMES = {name: role for role, names in SELLERS.items() for name in names}

# Not-fitted words: as a whole cell in a DNP or placement column, or as a phrase in a value or note.
DNP_MARKS = ("dnp", "dni", "dnf", "nf", "np", "ni", "nm", "dnm", "nopop", "nomount", "noload", "notfitted",
             "notpopulated", "notinstalled", "notmounted", "notplaced", "donotpopulate", "donotplace",
             "donotfit", "donotinstall", "donotmount", "nichtbestückt", "unbestückt", "nonmonté", "不贴",
             "不焊", "不装", "不贴片", "未実装", "実装せず", "실장안함", "미실장")
DNP_PHRASES = (
    r"DNP|DNI|DNF|NOPOP|NO[ -]?POP|NO[ -]?LOAD|NO[ -]?MOUNT|NOT[ -]?(?:FITTED|POPULATED|MOUNTED|INSTALLED|"
    r"ASSEMBLED|PLACED)|DO[ -]?NOT[ -]?(?:POPULATE|PLACE|FIT|INSTALL|MOUNT|ASSEMBLE)|"
    r"nicht[ -]?bestückt|unbestückt|non[ -]?monté|no[ -]?montar|nie[ -]?montować|не[ -]?устанавл\w*|"
    r"不贴|不焊|不装|未実装|実装せず|실장\s*안\s*함|미실장"
)

# Rows that are not lines: totals in any language, and charges (shipping, fees).
TOTAL_WORDS = (r"(grand\s*)?(sub\s*)?totals?\b|sum\b|summe\b|gesamt\w*|zwischensumme|somme|suma\b|razem|"
               r"podsumowanie|totale|итого|всего")
TOTAL_WORDS_CJK = r"合計|合计|总计|總計|小计|小計|총계|합계|총합"  # anywhere in a short cell
CHARGE_WORDS = (r"shipping|freight|postage|handling fee|delivery charge|versand\w*|porto\b|frais de port|"
                r"envío|wysyłka|доставка|送料|手数料|运费|邮费|배송비")
