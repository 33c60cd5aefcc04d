<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="sw_KE" sourcelanguage="en">
<context>
    <name>ApprovalDialog</name>
    <message>
        <source>Approval needed</source>
        <translation>Idhini inahitajika</translation>
    </message>
    <message>
        <source>Approve</source>
        <translation>Idhinisha</translation>
    </message>
    <message>
        <source>Approver: choose your name and enter your PIN.</source>
        <translation>Mwidhinishaji: chagua jina lako na uweke PIN yako.</translation>
    </message>
    <message>
        <source>Choose who approves.</source>
        <translation>Chagua anayeidhinisha.</translation>
    </message>
    <message>
        <source>Nobody on this till can approve this; ask head office.</source>
        <translation>Hakuna mtu kwenye till hii anayeweza kuidhinisha hili; uliza ofisi kuu.</translation>
    </message>
    <message>
        <source>PIN</source>
        <translation>PIN</translation>
    </message>
    <message>
        <source>Type your PIN.</source>
        <translation>Andika PIN yako.</translation>
    </message>
</context>
<context>
    <name>BuyerDialog</name>
    <message>
        <source>Business name</source>
        <translation>Jina la biashara</translation>
    </message>
    <message>
        <source>Buyer's KRA PIN</source>
        <translation>PIN ya KRA ya mnunuzi</translation>
    </message>
    <message>
        <source>For a business that claims the VAT: its KRA PIN goes on the tax invoice (a letter, nine digits and a letter, e.g. P051234567X).</source>
        <translation>Kwa biashara inayodai VAT: PIN yake ya KRA huandikwa kwenye ankara ya kodi (herufi moja, tarakimu tisa na herufi moja, k.m. P051234567X).</translation>
    </message>
    <message>
        <source>KRA PIN</source>
        <translation>PIN ya KRA</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>Sawa</translation>
    </message>
    <message>
        <source>Remove PIN</source>
        <translation>Ondoa PIN</translation>
    </message>
    <message>
        <source>optional</source>
        <translation>si lazima</translation>
    </message>
</context>
<context>
    <name>CardTerminalWindow</name>
    <message>
        <source>A card PIN has 4 to 6 digits.</source>
        <translation>PIN ya kadi ina tarakimu 4 hadi 6.</translation>
    </message>
    <message>
        <source>Bank declines</source>
        <translation>Benki inakataa</translation>
    </message>
    <message>
        <source>Card terminal (training)</source>
        <translation>Mashine ya kadi (mafunzo)</translation>
    </message>
    <message>
        <source>Customer cancels</source>
        <translation>Mteja anaghairi</translation>
    </message>
    <message>
        <source>Decline</source>
        <translation>Kataa</translation>
    </message>
    <message>
        <source>Insert card</source>
        <translation>Ingiza kadi</translation>
    </message>
    <message>
        <source>Not enough money</source>
        <translation>Pesa haitoshi</translation>
    </message>
    <message>
        <source>OK (approve)</source>
        <translation>Sawa (idhinisha)</translation>
    </message>
    <message>
        <source>PIN (demo: any 4 to 6 digits)</source>
        <translation>PIN (majaribio: tarakimu zozote 4 hadi 6)</translation>
    </message>
    <message>
        <source>Pay {amount}</source>
        <translation>Lipa {amount}</translation>
    </message>
    <message>
        <source>Refund {amount} to the card</source>
        <translation>Rudisha {amount} kwenye kadi</translation>
    </message>
    <message>
        <source>The terminal is not waiting for a card.</source>
        <translation>Mashine haisubiri kadi.</translation>
    </message>
    <message>
        <source>The terminal is not waiting for that payment any more.</source>
        <translation>Mashine haisubiri tena malipo hayo.</translation>
    </message>
    <message>
        <source>Wrong PIN</source>
        <translation>PIN si sahihi</translation>
    </message>
</context>
<context>
    <name>CashMoveDialog</name>
    <message>
        <source>Amount, e.g. 500.00</source>
        <translation>Kiasi, mfano 500.00</translation>
    </message>
    <message>
        <source>Cash in</source>
        <translation>Weka pesa droo</translation>
    </message>
    <message>
        <source>Cash out</source>
        <translation>Toa pesa droo</translation>
    </message>
    <message>
        <source>Drop to the safe</source>
        <translation>Peleka kwenye sefu</translation>
    </message>
    <message>
        <source>Float top-up</source>
        <translation>Ongeza chenji ya droo</translation>
    </message>
    <message>
        <source>Paid in</source>
        <translation>Pesa iliyoingizwa</translation>
    </message>
    <message>
        <source>Paid out (a purchase)</source>
        <translation>Malipo yaliyotolewa (ununuzi)</translation>
    </message>
    <message>
        <source>Reason (what it was for)</source>
        <translation>Sababu (ilikuwa ya nini)</translation>
    </message>
</context>
<context>
    <name>CatalogPage</name>
    <message>
        <source>CSV file: choose the products file, or pick another choice.</source>
        <translation>Faili ya CSV: chagua faili ya bidhaa, au chagua njia nyingine.</translation>
    </message>
    <message>
        <source>CSV files (*.csv)</source>
        <translation>Faili za CSV (*.csv)</translation>
    </message>
    <message>
        <source>Choose file…</source>
        <translation>Chagua faili…</translation>
    </message>
    <message>
        <source>Import a CSV file</source>
        <translation>Leta faili ya CSV</translation>
    </message>
    <message>
        <source>Import the good rows and skip the bad ones</source>
        <translation>Leta mistari mizuri na uruke yenye makosa</translation>
    </message>
    <message>
        <source>Imported {count} products ({skipped} bad rows skipped).</source>
        <translation>Bidhaa {count} zimeletwa (mistari {skipped} yenye makosa imerukwa).</translation>
    </message>
    <message>
        <source>Importing…</source>
        <translation>Inaleta…</translation>
    </message>
    <message>
        <source>Keep the demo products</source>
        <translation>Baki na bidhaa za mfano</translation>
    </message>
    <message>
        <source>Nothing imported: {bad} of {rows} rows have errors (listed above). Fix them, or tick the box to import the good rows.</source>
        <translation>Hakuna kilicholetwa: mistari {bad} kati ya {rows} ina makosa (yameorodheshwa juu). Yarekebishe, au weka alama kwenye kisanduku ili kuleta mistari mizuri.</translation>
    </message>
    <message>
        <source>Products</source>
        <translation>Bidhaa</translation>
    </message>
    <message>
        <source>Products file</source>
        <translation>Faili ya bidhaa</translation>
    </message>
    <message>
        <source>Start empty</source>
        <translation>Anza bila bidhaa</translation>
    </message>
    <message>
        <source>Start with no products and add them later, keep the demo products to try the till, or import a CSV file (columns sku, name, price, vat_class; see docs/catalog-import.md).</source>
        <translation>Anza bila bidhaa na uziongeze baadaye, baki na bidhaa za mfano ili kujaribu till, au leta faili ya CSV (safu sku, name, price, vat_class; angalia docs/catalog-import.md).</translation>
    </message>
    <message>
        <source>This shop is enrolled with a head office: its products come from head office with the next sync, and nothing is imported here. Press Next.</source>
        <translation>Duka hili limesajiliwa na ofisi kuu: bidhaa zake zinatoka ofisi kuu katika usawazishaji unaofuata, na hakuna kinachoingizwa hapa. Bonyeza Endelea.</translation>
    </message>
</context>
<context>
    <name>CloseShiftDialog</name>
    <message>
        <source>Close shift</source>
        <translation>Funga zamu</translation>
    </message>
    <message>
        <source>Close the shift</source>
        <translation>Funga zamu</translation>
    </message>
    <message>
        <source>Close the shift: count the drawer</source>
        <translation>Funga zamu: hesabu pesa za droo</translation>
    </message>
    <message>
        <source>Count {method}: type what it took (0 if nothing).</source>
        <translation>Hesabu {method}: andika kiasi kilichopokelewa (0 kama hakuna).</translation>
    </message>
    <message>
        <source>Counted in {currency}, e.g. 1500.00</source>
        <translation>Kilichohesabiwa kwa {currency}, mfano 1500.00</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>Imekamilika</translation>
    </message>
    <message>
        <source>Expected {expected}, counted {counted}: difference {difference}.</source>
        <translation>Zilizotarajiwa {expected}, zilizohesabiwa {counted}: tofauti {difference}.</translation>
    </message>
    <message>
        <source>Note (needed when the count is off)</source>
        <translation>Maelezo (yanahitajika hesabu isipolingana)</translation>
    </message>
    <message>
        <source>{method} counted</source>
        <translation>{method} iliyohesabiwa</translation>
    </message>
    <message>
        <source>{method}: expected {expected}, counted {counted}: difference {difference}.</source>
        <translation>{method}: kinachotarajiwa {expected}, kilichohesabiwa {counted}: tofauti {difference}.</translation>
    </message>
</context>
<context>
    <name>CustomerPhoneWindow</name>
    <message>
        <source>Answer as a customer whose balance is too low</source>
        <translation>Jibu kama mteja asiye na salio la kutosha</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Ghairi</translation>
    </message>
    <message>
        <source>Customer's phone (training)</source>
        <translation>Simu ya mteja (mafunzo)</translation>
    </message>
    <message>
        <source>Customer's phone — training</source>
        <translation>Simu ya mteja — mafunzo</translation>
    </message>
    <message>
        <source>M-PESA PIN (demo PIN {pin})</source>
        <translation>PIN ya M-PESA (mfano {pin})</translation>
    </message>
    <message>
        <source>No money</source>
        <translation>Hana pesa</translation>
    </message>
    <message>
        <source>No payment request on this phone.</source>
        <translation>Hakuna ombi la malipo kwenye simu hii.</translation>
    </message>
    <message>
        <source>OK / Pay</source>
        <translation>Sawa / Lipa</translation>
    </message>
    <message>
        <source>Sent.</source>
        <translation>Imetumwa.</translation>
    </message>
    <message>
        <source>Type the M-PESA PIN first.</source>
        <translation>Andika PIN ya M-PESA kwanza.</translation>
    </message>
    <message>
        <source>Type the PIN first.</source>
        <translation>Andika PIN kwanza.</translation>
    </message>
</context>
<context>
    <name>DailyDialog</name>
    <message>
        <source>Amount</source>
        <translation>Kiasi</translation>
    </message>
    <message>
        <source>By cashier</source>
        <translation>Kwa keshia</translation>
    </message>
    <message>
        <source>By category</source>
        <translation>Kwa aina</translation>
    </message>
    <message>
        <source>By tender</source>
        <translation>Kwa njia ya malipo</translation>
    </message>
    <message>
        <source>Cashier</source>
        <translation>Keshia</translation>
    </message>
    <message>
        <source>Category</source>
        <translation>Aina</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Funga</translation>
    </message>
    <message>
        <source>Count</source>
        <translation>Idadi</translation>
    </message>
    <message>
        <source>Daily totals</source>
        <translation>Jumla za siku</translation>
    </message>
    <message>
        <source>From</source>
        <translation>Kuanzia</translation>
    </message>
    <message>
        <source>Items</source>
        <translation>Bidhaa</translation>
    </message>
    <message>
        <source>Net sales {net} · {n} sales · average {avg} · refunds {refunds} · voids {voids} · same days last week {week} ({change})</source>
        <translation>Mauzo halisi {net} · mauzo {n} · wastani {avg} · marejesho {refunds} · yaliyofutwa {voids} · siku hizo wiki iliyopita {week} ({change})</translation>
    </message>
    <message>
        <source>Product</source>
        <translation>Bidhaa</translation>
    </message>
    <message>
        <source>Sales</source>
        <translation>Mauzo</translation>
    </message>
    <message>
        <source>Show</source>
        <translation>Onyesha</translation>
    </message>
    <message>
        <source>Tender</source>
        <translation>Njia ya malipo</translation>
    </message>
    <message>
        <source>Top products</source>
        <translation>Bidhaa zinazoongoza</translation>
    </message>
    <message>
        <source>to</source>
        <translation>hadi</translation>
    </message>
</context>
<context>
    <name>DenominationCounter</name>
    <message>
        <source>Coins</source>
        <translation>Sarafu</translation>
    </message>
    <message>
        <source>Counted: {total}</source>
        <translation>Zilizohesabiwa: {total}</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>Noti</translation>
    </message>
</context>
<context>
    <name>DeviceForm</name>
    <message>
        <source>A cash drawer hangs on this printer</source>
        <translation>Droo ya pesa imeunganishwa kwenye printa hii</translation>
    </message>
    <message>
        <source>COM3, /dev/ttyUSB0, socket://192.168.1.50:9100</source>
        <translation>COM3, /dev/ttyUSB0, socket://192.168.1.50:9100</translation>
    </message>
    <message>
        <source>Code ends with</source>
        <translation>Msimbo unaishia na</translation>
    </message>
    <message>
        <source>Command set</source>
        <translation>Seti ya amri</translation>
    </message>
    <message>
        <source>Flow control</source>
        <translation>Udhibiti wa mtiririko</translation>
    </message>
    <message>
        <source>Paper</source>
        <translation>Karatasi</translation>
    </message>
    <message>
        <source>Parity</source>
        <translation>Usawa (parity)</translation>
    </message>
    <message>
        <source>Port</source>
        <translation>Mlango (port)</translation>
    </message>
    <message>
        <source>Speed (baud)</source>
        <translation>Kasi (baud)</translation>
    </message>
    <message>
        <source>Stop bits</source>
        <translation>Biti za kusimama</translation>
    </message>
</context>
<context>
    <name>DeviceSettings</name>
    <message>
        <source>Devices</source>
        <translation>Vifaa</translation>
    </message>
    <message>
        <source>The devices have not started on this till.</source>
        <translation>Vifaa havijaanza kwenye kaunta hii.</translation>
    </message>
</context>
<context>
    <name>DeviceSettingsDialog</name>
    <message>
        <source>Card terminal</source>
        <translation>Mashine ya kadi</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Funga</translation>
    </message>
    <message>
        <source>Customer display</source>
        <translation>Skrini ya mteja</translation>
    </message>
    <message>
        <source>Diagnose</source>
        <translation>Chunguza</translation>
    </message>
    <message>
        <source>Display test</source>
        <translation>Jaribio la skrini</translation>
    </message>
    <message>
        <source>Drawer opened (no sale {n} this shift).</source>
        <translation>Droo imefunguliwa (bila mauzo, mara ya {n} zamu hii).</translation>
    </message>
    <message>
        <source>If you can read this, the printer works.</source>
        <translation>Ukiweza kusoma hii, printa inafanya kazi.</translation>
    </message>
    <message>
        <source>Kaunta test print</source>
        <translation>Jaribio la uchapishaji la Kaunta</translation>
    </message>
    <message>
        <source>No device is set up on this till.</source>
        <translation>Hakuna kifaa kilichowekwa kwenye kaunta hii.</translation>
    </message>
    <message>
        <source>Open drawer</source>
        <translation>Fungua droo</translation>
    </message>
    <message>
        <source>Receipt printer and drawer</source>
        <translation>Printa ya risiti na droo</translation>
    </message>
    <message>
        <source>Register the till</source>
        <translation>Sajili kaunta</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>Hifadhi</translation>
    </message>
    <message>
        <source>Saved in {path}. Restart the till to use the new settings.</source>
        <translation>Imehifadhiwa katika {path}. Anzisha upya kaunta ili kutumia mipangilio mipya.</translation>
    </message>
    <message>
        <source>Saved in {path}. The device was reconnected with the new settings.</source>
        <translation>Imehifadhiwa katika {path}. Kifaa kimeunganishwa upya na mipangilio mipya.</translation>
    </message>
    <message>
        <source>Saved settings go into the configuration file and are used at once: the device is reconnected with them. In training mode the devices stay on their emulators, whatever port is typed.</source>
        <translation>Mipangilio iliyohifadhiwa inaingia kwenye faili la usanidi na inatumika mara moja: kifaa kinaunganishwa upya nayo. Katika hali ya mafunzo vifaa vinabaki kwenye viigizaji vyake, hata port yoyote ikiandikwa.</translation>
    </message>
    <message>
        <source>Saved settings go into the configuration file and take effect the next time the till starts. In training mode the devices are emulators.</source>
        <translation>Mipangilio iliyohifadhiwa inaingia kwenye faili la usanidi na inaanza kutumika kaunta ikianzishwa tena. Katika hali ya mafunzo vifaa ni viigizaji.</translation>
    </message>
    <message>
        <source>Serial scanner</source>
        <translation>Skana ya serial</translation>
    </message>
    <message>
        <source>Test display</source>
        <translation>Jaribu skrini</translation>
    </message>
    <message>
        <source>Test page sent to the printer.</source>
        <translation>Ukurasa wa majaribio umetumwa kwa printa.</translation>
    </message>
    <message>
        <source>Test print</source>
        <translation>Jaribu kuchapisha</translation>
    </message>
    <message>
        <source>Test text sent to the customer display.</source>
        <translation>Maandishi ya majaribio yametumwa kwa skrini ya mteja.</translation>
    </message>
    <message>
        <source>The card terminal is a payment method: its port and password are set under Settings (payment methods).</source>
        <translation>Mashine ya kadi ni njia ya malipo: mlango na nenosiri lake huwekwa kwenye Mipangilio (njia za malipo).</translation>
    </message>
</context>
<context>
    <name>DeviceStatus</name>
    <message>
        <source>Card terminal</source>
        <translation>Mashine ya kadi</translation>
    </message>
    <message>
        <source>Cash drawer</source>
        <translation>Droo ya pesa</translation>
    </message>
    <message>
        <source>Display</source>
        <translation>Skrini ya mteja</translation>
    </message>
    <message>
        <source>Printer</source>
        <translation>Printa</translation>
    </message>
    <message>
        <source>Receipts that were waiting have been printed.</source>
        <translation>Risiti zilizokuwa zikisubiri zimechapishwa.</translation>
    </message>
    <message>
        <source>Scanner</source>
        <translation>Skana</translation>
    </message>
    <message>
        <source>The cash drawer is still open. Close it after giving change.</source>
        <translation>Droo ya pesa bado iko wazi. Ifunge baada ya kutoa chenji.</translation>
    </message>
    <message>
        <source>The receipt was not printed ({reason}). The sale is complete; the receipt will print when the printer is ready.</source>
        <translation>Risiti haikuchapishwa ({reason}). Mauzo yamekamilika; risiti itachapishwa printa ikiwa tayari.</translation>
    </message>
    <message>
        <source>The report was not printed ({reason}); it will print when the printer is ready.</source>
        <translation>Ripoti haikuchapishwa ({reason}); itachapishwa printa ikiwa tayari.</translation>
    </message>
    <message>
        <source>checking…</source>
        <translation>inakaguliwa…</translation>
    </message>
    <message>
        <source>cover open</source>
        <translation>kifuniko kiko wazi</translation>
    </message>
    <message>
        <source>needs attention</source>
        <translation>inahitaji uangalizi</translation>
    </message>
    <message>
        <source>no paper</source>
        <translation>hakuna karatasi</translation>
    </message>
    <message>
        <source>not working</source>
        <translation>haifanyi kazi</translation>
    </message>
    <message>
        <source>offline</source>
        <translation>haipatikani</translation>
    </message>
    <message>
        <source>paper low</source>
        <translation>karatasi inaisha</translation>
    </message>
    <message>
        <source>ready</source>
        <translation>tayari</translation>
    </message>
    <message>
        <source>still open</source>
        <translation>bado iko wazi</translation>
    </message>
</context>
<context>
    <name>DevicesPage</name>
    <message>
        <source>Cash drawer: the printer was told to open it. If it stayed shut, check the drawer's cable into the printer's drawer port.</source>
        <translation>Droo ya pesa: printa imeambiwa iifungue. Ikibaki imefungwa, angalia kebo ya droo kwenye mlango wa droo wa printa.</translation>
    </message>
    <message>
        <source>Cash drawer: tick “{box}” first.</source>
        <translation>Droo ya pesa: kwanza weka alama kwenye “{box}”.</translation>
    </message>
    <message>
        <source>Code ends with</source>
        <translation>Msimbo unaishia na</translation>
    </message>
    <message>
        <source>Command set</source>
        <translation>Seti ya amri</translation>
    </message>
    <message>
        <source>Customer display</source>
        <translation>Skrini ya mteja</translation>
    </message>
    <message>
        <source>Customer display: a test text was sent to {port}. If the display shows nothing or stray signs, try the other command set or speed.</source>
        <translation>Skrini ya mteja: maandishi ya majaribio yametumwa kwa {port}. Skrini isipoonyesha kitu au ikionyesha alama zisizoeleweka, jaribu seti nyingine ya amri au kasi nyingine.</translation>
    </message>
    <message>
        <source>Flow control</source>
        <translation>Udhibiti wa mtiririko</translation>
    </message>
    <message>
        <source>Open drawer</source>
        <translation>Fungua droo</translation>
    </message>
    <message>
        <source>Paper</source>
        <translation>Karatasi</translation>
    </message>
    <message>
        <source>Parity</source>
        <translation>Usawa (parity)</translation>
    </message>
    <message>
        <source>Port</source>
        <translation>Mlango (port)</translation>
    </message>
    <message>
        <source>Printer, scanner and cash drawer</source>
        <translation>Printa, skana na droo ya pesa</translation>
    </message>
    <message>
        <source>Receipt printer and drawer</source>
        <translation>Printa ya risiti na droo</translation>
    </message>
    <message>
        <source>Receipt printer: the test page was printed on {port}. If the paper is blank or the text garbled, check the paper width and the speed (baud).</source>
        <translation>Printa ya risiti: ukurasa wa majaribio umechapishwa kwenye {port}. Karatasi ikiwa tupu au maandishi yamechanganyika, angalia upana wa karatasi na kasi (baud).</translation>
    </message>
    <message>
        <source>Scan a barcode now (waiting 15 seconds)…</source>
        <translation>Skani barcode sasa (inasubiri sekunde 15)…</translation>
    </message>
    <message>
        <source>Serial scanner</source>
        <translation>Skana ya serial</translation>
    </message>
    <message>
        <source>Serial scanner: no code came in 15 seconds. Press Test scanner, then scan a barcode; check the cable, the speed and what the code ends with.</source>
        <translation>Skana ya serial: hakuna msimbo uliofika ndani ya sekunde 15. Bonyeza Jaribu skana, kisha skani barcode; angalia kebo, kasi na kile msimbo unachoishia nacho.</translation>
    </message>
    <message>
        <source>Serial scanner: read {detail}. The scanner works.</source>
        <translation>Skana ya serial: imesoma {detail}. Skana inafanya kazi.</translation>
    </message>
    <message>
        <source>Speed (baud)</source>
        <translation>Kasi (baud)</translation>
    </message>
    <message>
        <source>Stop bits</source>
        <translation>Biti za kusimama</translation>
    </message>
    <message>
        <source>Test display</source>
        <translation>Jaribu skrini</translation>
    </message>
    <message>
        <source>Test print</source>
        <translation>Jaribu kuchapisha</translation>
    </message>
    <message>
        <source>Test scanner</source>
        <translation>Jaribu skana</translation>
    </message>
    <message>
        <source>Testing…</source>
        <translation>Inajaribu…</translation>
    </message>
    <message>
        <source>Type the port of each device the till has (empty: none) and test it: Test print prints a page, Open drawer kicks the drawer through the printer. A barcode scanner that types like a keyboard needs nothing here. Skip to set the devices later in the manager's tools, Devices (Alt+D).</source>
        <translation>Andika mlango (port) wa kila kifaa ambacho till inacho (tupu: hakuna) kisha ujaribu: Jaribu kuchapisha huchapisha ukurasa, Fungua droo hufungua droo kupitia printa. Skana ya barcode inayoandika kama kibodi haihitaji chochote hapa. Ruka ili kuweka vifaa baadaye kwenye zana za meneja, Vifaa (Alt+D).</translation>
    </message>
    <message>
        <source>a serial speed such as 9600, 19200 or 115200.</source>
        <translation>kasi ya serial kama 9600, 19200 au 115200.</translation>
    </message>
    <message>
        <source>empty: none; COM3, /dev/ttyUSB0 or 192.168.1.50:9100</source>
        <translation>tupu: hakuna; COM3, /dev/ttyUSB0 au 192.168.1.50:9100</translation>
    </message>
    <message>
        <source>{device}, Port: type the device's port first.</source>
        <translation>{device}, Mlango (port): kwanza andika mlango wa kifaa.</translation>
    </message>
    <message>
        <source>{device}, {field}: {detail}</source>
        <translation>{device}, {field}: {detail}</translation>
    </message>
    <message>
        <source>{device}: the test page was not printed: {detail}. Put paper in or shut the cover, then Test print again.</source>
        <translation>{device}: ukurasa wa majaribio haukuchapishwa: {detail}. Weka karatasi au funga kifuniko, kisha Jaribu kuchapisha tena.</translation>
    </message>
    <message>
        <source>{device}: {detail}</source>
        <translation>{device}: {detail}</translation>
    </message>
    <message>
        <source>{device}: {port} did not answer ({detail}). Check that the device is switched on, its cable is in and the port is right, then test again; or skip and set it later in the manager's tools, Devices (Alt+D).</source>
        <translation>{device}: {port} haikujibu ({detail}). Hakikisha kifaa kimewashwa, kebo yake imechomekwa na mlango ni sahihi, kisha ujaribu tena; au ruka na ukiweke baadaye kwenye zana za meneja, Vifaa (Alt+D).</translation>
    </message>
</context>
<context>
    <name>DiscountDialog</name>
    <message>
        <source>Amount {currency}</source>
        <translation>Kiasi {currency}</translation>
    </message>
    <message>
        <source>Apply</source>
        <translation>Tumia</translation>
    </message>
    <message>
        <source>Current discount: {current}</source>
        <translation>Punguzo la sasa: {current}</translation>
    </message>
    <message>
        <source>Percent %</source>
        <translation>Asilimia %</translation>
    </message>
    <message>
        <source>Remove discount</source>
        <translation>Ondoa punguzo</translation>
    </message>
    <message>
        <source>e.g. 10 for 10 %, or 50.00</source>
        <translation>mfano 10 kwa 10 %, au 50.00</translation>
    </message>
    <message>
        <source>{text} is not a number.</source>
        <translation>{text} si namba.</translation>
    </message>
</context>
<context>
    <name>DonePage</name>
    <message>
        <source>Devices: {devices}</source>
        <translation>Vifaa: {devices}</translation>
    </message>
    <message>
        <source>Finish writes the shop's settings and opens the till at the login screen.</source>
        <translation>Maliza inahifadhi mipangilio ya duka na kufungua till kwenye skrini ya kuingia.</translation>
    </message>
    <message>
        <source>KRA eTIMS: {etims}</source>
        <translation>KRA eTIMS: {etims}</translation>
    </message>
    <message>
        <source>Manager: {name}</source>
        <translation>Meneja: {name}</translation>
    </message>
    <message>
        <source>Payments: {methods}</source>
        <translation>Malipo: {methods}</translation>
    </message>
    <message>
        <source>Ready</source>
        <translation>Tayari</translation>
    </message>
    <message>
        <source>Settings file: {path}</source>
        <translation>Faili ya mipangilio: {path}</translation>
    </message>
    <message>
        <source>Shop: {name} (store {store}, till {till})</source>
        <translation>Duka: {name} (duka {store}, till {till})</translation>
    </message>
    <message>
        <source>Skipped (do it later): {steps}</source>
        <translation>Zimerukwa (fanya baadaye): {steps}</translation>
    </message>
    <message>
        <source>branch {branch}, not tested: initialised at the first start</source>
        <translation>tawi {branch}, halijajaribiwa: litaanzishwa till ikianza mara ya kwanza</translation>
    </message>
    <message>
        <source>branch {branch}, tested</source>
        <translation>tawi {branch}, limejaribiwa</translation>
    </message>
    <message>
        <source>done by head office</source>
        <translation>hufanywa na ofisi kuu</translation>
    </message>
    <message>
        <source>none (set later in the manager's tools)</source>
        <translation>hakuna (weka baadaye kwenye zana za meneja)</translation>
    </message>
    <message>
        <source>not set up: nothing is sent to KRA</source>
        <translation>haijawekwa: hakuna kinachotumwa KRA</translation>
    </message>
</context>
<context>
    <name>EnrollDialog</name>
    <message>
        <source>Asking the head office…</source>
        <translation>Inauliza ofisi kuu…</translation>
    </message>
    <message>
        <source>CA bundle</source>
        <translation>Faili ya CA</translation>
    </message>
    <message>
        <source>Certificates (*.pem *.crt);;All (*)</source>
        <translation>Vyeti (*.pem *.crt);;Zote (*)</translation>
    </message>
    <message>
        <source>Choose…</source>
        <translation>Chagua…</translation>
    </message>
    <message>
        <source>Enroll</source>
        <translation>Sajili</translation>
    </message>
    <message>
        <source>Enroll this till</source>
        <translation>Sajili kaunta hii</translation>
    </message>
    <message>
        <source>Enroll this till with its head office</source>
        <translation>Sajili kaunta hii kwa ofisi kuu yake</translation>
    </message>
    <message>
        <source>Enrolled as {store}/{terminal} of {org}. Sales are sent from now on.</source>
        <translation>Imesajiliwa kama {store}/{terminal} ya {org}. Mauzo yanatumwa kuanzia sasa.</translation>
    </message>
    <message>
        <source>Enrolled as {store}/{terminal} of {org}. This till's settings now use these ids: restart Kaunta to start sending.</source>
        <translation>Imesajiliwa kama {store}/{terminal} ya {org}. Mipangilio ya kaunta hii sasa inatumia vitambulisho hivi: anzisha Kaunta upya ili kuanza kutuma.</translation>
    </message>
    <message>
        <source>Enrolled as {store}/{terminal}, but this till keeps its own ids ({reason}): its sealed journal carries them. Nothing is sent: call support.</source>
        <translation>Imesajiliwa kama {store}/{terminal}, lakini kaunta hii inabaki na vitambulisho vyake ({reason}): kumbukumbu yake iliyotiwa muhuri inavibeba. Hakuna kinachotumwa: piga simu kwa msaada.</translation>
    </message>
    <message>
        <source>Head office address</source>
        <translation>Anwani ya ofisi kuu</translation>
    </message>
    <message>
        <source>Make a one-time code at head office (Stores, Make an enrollment code) and type it here. It works once, for 24 hours.</source>
        <translation>Tengeneza msimbo wa mara moja kwenye ofisi kuu (Maduka, Tengeneza msimbo wa usajili) na uuandike hapa. Unafanya kazi mara moja, kwa saa 24.</translation>
    </message>
    <message>
        <source>Name of this till</source>
        <translation>Jina la kaunta hii</translation>
    </message>
    <message>
        <source>One-time code</source>
        <translation>Msimbo wa mara moja</translation>
    </message>
    <message>
        <source>optional: a private CA's PEM file</source>
        <translation>si lazima: faili ya PEM ya CA binafsi</translation>
    </message>
</context>
<context>
    <name>EtimsPage</name>
    <message>
        <source>Asking KRA eTIMS…</source>
        <translation>Inauliza KRA eTIMS…</translation>
    </message>
    <message>
        <source>Branch id</source>
        <translation>Nambari ya tawi</translation>
    </message>
    <message>
        <source>Communication key</source>
        <translation>Ufunguo wa mawasiliano</translation>
    </message>
    <message>
        <source>Communication key: KRA says this device is installed already and does not send its key again. Type the key kept from its first initialisation, then test again.</source>
        <translation>Ufunguo wa mawasiliano: KRA inasema kifaa hiki kimeshasakinishwa na haitumi ufunguo wake tena. Andika ufunguo uliohifadhiwa tangu kilipoanzishwa mara ya kwanza, kisha ujaribu tena.</translation>
    </message>
    <message>
        <source>Device serial</source>
        <translation>Nambari ya kifaa</translation>
    </message>
    <message>
        <source>KRA</source>
        <translation>KRA</translation>
    </message>
    <message>
        <source>KRA PIN</source>
        <translation>PIN ya KRA</translation>
    </message>
    <message>
        <source>KRA eTIMS</source>
        <translation>KRA eTIMS</translation>
    </message>
    <message>
        <source>KRA eTIMS: KRA accepted the communication key; it is kept in this computer's keyring.</source>
        <translation>KRA eTIMS: KRA imekubali ufunguo wa mawasiliano; umehifadhiwa kwenye keyring ya kompyuta hii.</translation>
    </message>
    <message>
        <source>KRA eTIMS: KRA refused the device: {detail}. Check the KRA PIN, branch id and device serial against the eTIMS portal's service request, then test again.</source>
        <translation>KRA eTIMS: KRA imekataa kifaa: {detail}. Linganisha PIN ya KRA, nambari ya tawi na nambari ya kifaa na ombi la huduma kwenye tovuti ya eTIMS, kisha ujaribu tena.</translation>
    </message>
    <message>
        <source>KRA eTIMS: the device is initialised (control unit {unit}). Its communication key is kept in this computer's keyring.</source>
        <translation>KRA eTIMS: kifaa kimeanzishwa (kitengo cha udhibiti {unit}). Ufunguo wake wa mawasiliano umehifadhiwa kwenye keyring ya kompyuta hii.</translation>
    </message>
    <message>
        <source>KRA eTIMS: the device is initialised, but the keyring refused its communication key. The key is kept in {file}: copy that file somewhere safe now (KRA does not send the key again), fix the keyring and start Kaunta: it moves the key into the keyring and deletes the file.</source>
        <translation>KRA eTIMS: kifaa kimeanzishwa, lakini hifadhi ya siri ilikataa ufunguo wake wa mawasiliano. Ufunguo umewekwa katika {file}: nakili faili hiyo mahali salama sasa (KRA haitumi ufunguo tena), rekebisha hifadhi ya siri na uanzishe Kaunta: itahamisha ufunguo kwenye hifadhi ya siri na kufuta faili.</translation>
    </message>
    <message>
        <source>KRA eTIMS: this computer's keyring cannot keep the communication key ({detail}). The device was not initialised: KRA sends its key only once. Fix the keyring, then test again.</source>
        <translation>KRA eTIMS: hifadhi ya siri ya kompyuta hii haiwezi kuweka ufunguo wa mawasiliano ({detail}). Kifaa hakijaanzishwa: KRA hutuma ufunguo wake mara moja tu. Rekebisha hifadhi ya siri, kisha jaribu tena.</translation>
    </message>
    <message>
        <source>KRA eTIMS: {url} could not be reached ({detail}). Check the internet connection and the address (the simulator: is kaunta sandbox etims running?), then test again; or skip: the till keeps its sales and sends them once eTIMS is set up.</source>
        <translation>KRA eTIMS: {url} haikufikiwa ({detail}). Angalia muunganisho wa intaneti na anwani (kiigaji: je, kaunta sandbox etims inaendeshwa?), kisha ujaribu tena; au ruka: till inahifadhi mauzo yake na kuyatuma eTIMS ikishawekwa.</translation>
    </message>
    <message>
        <source>KRA production (real invoices)</source>
        <translation>KRA halisi (ankara za kweli)</translation>
    </message>
    <message>
        <source>KRA sandbox (tests with KRA)</source>
        <translation>Sandbox ya KRA (majaribio na KRA)</translation>
    </message>
    <message>
        <source>Simulator on this computer</source>
        <translation>Kiigaji kwenye kompyuta hii</translation>
    </message>
    <message>
        <source>Test connection and initialise</source>
        <translation>Jaribu muunganisho na uanzishe</translation>
    </message>
    <message>
        <source>The branch's eTIMS device as KRA registered it on the eTIMS portal. Test connection initialises the device with KRA: the communication key KRA sends is kept in this computer's keyring, never in a file. Skip to keep the sales and send nothing to KRA until eTIMS is set up (docs/etims.md).</source>
        <translation>Kifaa cha eTIMS cha tawi kama KRA ilivyokisajili kwenye tovuti ya eTIMS. Jaribu muunganisho huanzisha kifaa na KRA: ufunguo wa mawasiliano unaotumwa na KRA huhifadhiwa kwenye keyring ya kompyuta hii, kamwe si kwenye faili. Ruka ili kuhifadhi mauzo bila kutuma chochote KRA hadi eTIMS iwekwe (docs/etims.md).</translation>
    </message>
    <message>
        <source>This shop is enrolled with a head office: head office submits the store's sales to KRA eTIMS (one invoice sequence for all its tills). Nothing to set on this till; press Next.</source>
        <translation>Duka hili limesajiliwa na ofisi kuu: ofisi kuu hutuma mauzo ya duka kwa KRA eTIMS (mfuatano mmoja wa ankara kwa till zake zote). Hakuna cha kuweka kwenye till hii; bonyeza Endelea.</translation>
    </message>
    <message>
        <source>as entered in the eTIMS service request</source>
        <translation>kama ilivyoandikwa kwenye ombi la huduma la eTIMS</translation>
    </message>
    <message>
        <source>e.g. 01, as KRA assigned (not always 00)</source>
        <translation>k.m. 01, kama KRA ilivyotoa (si 00 kila mara)</translation>
    </message>
    <message>
        <source>eTIMS address</source>
        <translation>Anwani ya eTIMS</translation>
    </message>
    <message>
        <source>eTIMS service</source>
        <translation>Huduma ya eTIMS</translation>
    </message>
    <message>
        <source>empty: KRA's own address</source>
        <translation>tupu: anwani ya KRA yenyewe</translation>
    </message>
    <message>
        <source>only if this device was initialised before; else empty</source>
        <translation>tu ikiwa kifaa hiki kiliwahi kuanzishwa; vinginevyo acha tupu</translation>
    </message>
    <message>
        <source>the http://127.0.0.1:… address kaunta sandbox etims printed</source>
        <translation>anwani ya http://127.0.0.1:… iliyochapishwa na kaunta sandbox etims</translation>
    </message>
</context>
<context>
    <name>EtimsQueueDialog</name>
    <message>
        <source>A refused entry waits for you: fix what KRA's reason names (a product, a tax class, the set-up), then put it back in the queue.</source>
        <translation>Kilichokataliwa kinakusubiri: rekebisha kile sababu ya KRA inataja (bidhaa, aina ya kodi, mpangilio), kisha kirudishe kwenye foleni.</translation>
    </message>
    <message>
        <source>Age</source>
        <translation>Muda</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Funga</translation>
    </message>
    <message>
        <source>Credit note</source>
        <translation>Hati ya marejesho</translation>
    </message>
    <message>
        <source>I have seen the alert</source>
        <translation>Nimeona tahadhari</translation>
    </message>
    <message>
        <source>KRA No.</source>
        <translation>Nambari ya KRA</translation>
    </message>
    <message>
        <source>KRA eTIMS queue</source>
        <translation>Foleni ya KRA eTIMS</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>Aina</translation>
    </message>
    <message>
        <source>No credit note</source>
        <translation>Hakuna hati ya marejesho</translation>
    </message>
    <message>
        <source>Nothing is queued: eTIMS is not set up on this till. Add the [etims] section (KRA PIN, branch id, device serial) as docs/etims.md explains.</source>
        <translation>Hakuna kilicho kwenye foleni: eTIMS haijawekwa kwenye till hii. Ongeza sehemu ya [etims] (KRA PIN, nambari ya tawi, nambari ya kifaa) kama docs/etims.md inavyoeleza.</translation>
    </message>
    <message>
        <source>Now: {reason}</source>
        <translation>Sasa: {reason}</translation>
    </message>
    <message>
        <source>Put back in the queue</source>
        <translation>Rudisha kwenye foleni</translation>
    </message>
    <message>
        <source>Reason or last error</source>
        <translation>Sababu au hitilafu ya mwisho</translation>
    </message>
    <message>
        <source>Receipt</source>
        <translation>Risiti</translation>
    </message>
    <message>
        <source>Recorded with your name: the alert will not come back at start-up. Leave the eTIMS files as they are; kaunta verify still names every problem.</source>
        <translation>Imerekodiwa kwa jina lako: tahadhari haitarudi wakati wa kuwasha. Acha faili za eTIMS kama zilivyo; kaunta verify bado inataja kila tatizo.</translation>
    </message>
    <message>
        <source>Refunds settled without a credit note: {n}. The refunded sale was not a KRA invoice (returned without a receipt, or sold before eTIMS), so nothing of theirs is sent to KRA.</source>
        <translation>Marejesho yaliyomalizwa bila hati ya marejesho: {n}. Mauzo yaliyorejeshwa hayakuwa ankara ya KRA (yalirejeshwa bila risiti, au yaliuzwa kabla ya eTIMS), kwa hiyo hakuna chochote chake kinachotumwa kwa KRA.</translation>
    </message>
    <message>
        <source>Refused by KRA</source>
        <translation>Imekataliwa na KRA</translation>
    </message>
    <message>
        <source>Sale</source>
        <translation>Mauzo</translation>
    </message>
    <message>
        <source>Send now</source>
        <translation>Tuma sasa</translation>
    </message>
    <message>
        <source>Sending now. The list follows KRA's answers.</source>
        <translation>Inatuma sasa. Orodha itafuata majibu ya KRA.</translation>
    </message>
    <message>
        <source>Sent, answer awaited</source>
        <translation>Imetumwa, jibu linasubiriwa</translation>
    </message>
    <message>
        <source>Signed by KRA</source>
        <translation>Imesainiwa na KRA</translation>
    </message>
    <message>
        <source>State</source>
        <translation>Hali</translation>
    </message>
    <message>
        <source>This till is enrolled at a head office, which submits the store's sales to KRA with one invoice sequence for all its tills. Its queue is at head office (admin: KRA eTIMS); KRA's signatures come back to this till with the sync link. Here: {waiting} waiting (at head office or not sent to it yet), {parked} refused by KRA, {signed} signed.</source>
        <translation>Kaunta hii imesajiliwa kwenye ofisi kuu, ambayo huwasilisha mauzo ya duka kwa KRA kwa mfuatano mmoja wa ankara kwa kaunta zake zote. Foleni yake iko ofisi kuu (msimamizi: KRA eTIMS); saini za KRA hurudi kwenye kaunta hii kupitia muunganisho wa usawazishaji. Hapa: {waiting} zinasubiri (ofisi kuu au bado hazijatumwa huko), {parked} zimekataliwa na KRA, {signed} zimesainiwa.</translation>
    </message>
    <message>
        <source>Tries</source>
        <translation>Majaribio</translation>
    </message>
    <message>
        <source>Waiting</source>
        <translation>Inasubiri</translation>
    </message>
    <message>
        <source>{number} is back in the queue and is sent in order.</source>
        <translation>{number} imerudi kwenye foleni na itatumwa kwa mpangilio.</translation>
    </message>
    <message>
        <source>{waiting} waiting, {in_doubt} sent and awaiting KRA's answer, {parked} refused by KRA, {signed} signed. The queue is sent in order; a sale whose answer was lost is looked up at KRA before it is sent again, never numbered twice.</source>
        <translation>{waiting} yanasubiri, {in_doubt} yametumwa na yanasubiri jibu la KRA, {parked} yamekataliwa na KRA, {signed} yamesainiwa. Foleni hutumwa kwa mpangilio; mauzo ambayo jibu lake limepotea huangaliwa kwanza KRA kabla ya kutumwa tena, kamwe hayapewi nambari mara mbili.</translation>
    </message>
</context>
<context>
    <name>EtimsStatusLine</name>
    <message>
        <source>KRA eTIMS is OFF: sales are NOT being submitted to KRA (no [etims] set-up). Tell the manager.</source>
        <translation>KRA eTIMS IMEZIMWA: mauzo HAYATUMWI kwa KRA (hakuna mpangilio wa [etims]). Mwambie meneja.</translation>
    </message>
    <message>
        <source>KRA eTIMS stopped: {reason}</source>
        <translation>KRA eTIMS imesimama: {reason}</translation>
    </message>
    <message>
        <source>KRA eTIMS: connecting…</source>
        <translation>KRA eTIMS: inaunganisha…</translation>
    </message>
    <message>
        <source>KRA eTIMS: not yet signed by KRA: {n}, the oldest for {age}, more than {hours} h. Tell the manager.</source>
        <translation>KRA eTIMS: bado hazijasainiwa na KRA: {n}, ya zamani zaidi kwa {age}, zaidi ya saa {hours}. Mwambie meneja.</translation>
    </message>
    <message>
        <source>KRA eTIMS: not yet submitted to KRA: {n}, the oldest for {age}, more than {hours} h (not sent to head office yet, or not signed there). Tell the manager.</source>
        <translation>KRA eTIMS: bado hazijawasilishwa KRA: {n}, ya zamani zaidi kwa {age}, zaidi ya saa {hours} (bado hazijatumwa ofisi kuu, au hazijasainiwa huko). Mwambie meneja.</translation>
    </message>
    <message>
        <source>KRA eTIMS: off</source>
        <translation>KRA eTIMS: imezimwa</translation>
    </message>
    <message>
        <source>KRA eTIMS: offline, no sale waiting.</source>
        <translation>KRA eTIMS: nje ya mtandao, hakuna mauzo yanayosubiri.</translation>
    </message>
    <message>
        <source>KRA eTIMS: offline, not yet signed by KRA: {n} (oldest {age}). Kaunta keeps trying until KRA answers.</source>
        <translation>KRA eTIMS: nje ya mtandao, bado hazijasainiwa na KRA: {n} (ya zamani zaidi {age}). Kaunta inaendelea kujaribu hadi KRA ijibu.</translation>
    </message>
    <message>
        <source>KRA eTIMS: online, every sale signed.</source>
        <translation>KRA eTIMS: mtandaoni, kila mauzo yamesainiwa.</translation>
    </message>
    <message>
        <source>KRA eTIMS: online, {n} being sent.</source>
        <translation>KRA eTIMS: mtandaoni, {n} yanatumwa.</translation>
    </message>
    <message>
        <source>KRA eTIMS: this store's sales are submitted to KRA by head office; KRA's signatures come back with the sync link.</source>
        <translation>KRA eTIMS: mauzo ya duka hili huwasilishwa KRA na ofisi kuu; saini za KRA hurudi kupitia muunganisho wa usawazishaji.</translation>
    </message>
    <message>
        <source>KRA eTIMS: {n} refused by KRA. Manager: see eTIMS queue.</source>
        <translation>KRA eTIMS: {n} yamekataliwa na KRA. Meneja: angalia foleni ya eTIMS.</translation>
    </message>
    <message>
        <source>Training, simulator. </source>
        <translation>Mafunzo, kiigaji. </translation>
    </message>
</context>
<context>
    <name>GatewayDialog</name>
    <message>
        <source>(includes {rounding} rounding: whole shillings)</source>
        <translation>(pamoja na ukadiriaji wa {rounding}: shilingi kamili)</translation>
    </message>
    <message>
        <source>Amount</source>
        <translation>Kiasi</translation>
    </message>
    <message>
        <source>Amount in {currency} (less than due = split)</source>
        <translation>Kiasi kwa {currency} (chini ya deni = kulipa sehemu)</translation>
    </message>
    <message>
        <source>Checking…</source>
        <translation>Inakagua…</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>Sawa</translation>
    </message>
    <message>
        <source>Paid after the till stopped waiting: the manager is alerted.</source>
        <translation>Imelipwa baada ya till kuacha kusubiri: meneja amearifiwa.</translation>
    </message>
    <message>
        <source>Paid: {tender}. Thank you!</source>
        <translation>Imelipwa: {tender}. Asante!</translation>
    </message>
    <message>
        <source>Record payment</source>
        <translation>Rekodi malipo</translation>
    </message>
    <message>
        <source>Send again</source>
        <translation>Tuma tena</translation>
    </message>
    <message>
        <source>Send request</source>
        <translation>Tuma ombi</translation>
    </message>
    <message>
        <source>Sending the request…</source>
        <translation>Inatuma ombi…</translation>
    </message>
    <message>
        <source>The QR code appears here after Send.</source>
        <translation>QR code itaonekana hapa baada ya Tuma.</translation>
    </message>
    <message>
        <source>The customer can still approve this {label} request on their phone. Press Esc again to stop waiting: if they pay later, the sale completes by itself and its receipt is shown.</source>
        <translation>Mteja bado anaweza kukubali ombi hili la {label} kwenye simu yake. Bonyeza Esc tena kuacha kusubiri: akilipa baadaye, mauzo yatakamilika yenyewe na risiti yake itaonyeshwa.</translation>
    </message>
    <message>
        <source>The customer pays {amount} = {applied} at {rate}</source>
        <translation>Mteja analipa {amount} = {applied} kwa kiwango cha {rate}</translation>
    </message>
    <message>
        <source>The customer pays {describe}</source>
        <translation>Mteja analipa {describe}</translation>
    </message>
    <message>
        <source>Waiting for the customer: {seconds} s left</source>
        <translation>Inasubiri mteja: zimebaki sekunde {seconds}</translation>
    </message>
    <message>
        <source>{label}: due {due}</source>
        <translation>{label}: ya kulipa {due}</translation>
    </message>
    <message>
        <source>{method} payment</source>
        <translation>Malipo ya {method}</translation>
    </message>
</context>
<context>
    <name>HeadOfficeDialog</name>
    <message>
        <source>Address: {url}</source>
        <translation>Anwani: {url}</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Funga</translation>
    </message>
    <message>
        <source>Enroll this till…</source>
        <translation>Sajili kaunta hii…</translation>
    </message>
    <message>
        <source>Head office</source>
        <translation>Ofisi kuu</translation>
    </message>
    <message>
        <source>Last error: {error}</source>
        <translation>Hitilafu ya mwisho: {error}</translation>
    </message>
    <message>
        <source>Problem: {problem}</source>
        <translation>Tatizo: {problem}</translation>
    </message>
    <message>
        <source>The installed app carries no training head office (it is left out to keep the app small): training sells and keeps its sales on this till. The training head office runs from a source checkout (docs/installer.md).</source>
        <translation>Programu iliyosakinishwa haina ofisi kuu ya mafunzo (imeachwa nje ili programu ibaki ndogo): mafunzo yanauza na kuhifadhi mauzo yake kwenye kaunta hii. Ofisi kuu ya mafunzo inaendeshwa kutoka kwa nakala ya msimbo chanzo (docs/installer.md).</translation>
    </message>
    <message>
        <source>The training head office is starting; its pages follow.</source>
        <translation>Ofisi kuu ya mafunzo inaanza; kurasa zake zitafuata.</translation>
    </message>
    <message>
        <source>Training head office pages: {url} (sign in as {login})</source>
        <translation>Kurasa za ofisi kuu ya mafunzo: {url} (ingia kama {login})</translation>
    </message>
    <message>
        <source>Warns the manager after {hours} h without a sync.</source>
        <translation>Humwonya meneja baada ya saa {hours} bila kusawazisha.</translation>
    </message>
</context>
<context>
    <name>HeadOfficePage</name>
    <message>
        <source>A shop with a head office enrolls the till with a one-time code made there; the head office then sends the store's products and staff. A shop on its own skips this step.</source>
        <translation>Duka lenye ofisi kuu husajili till kwa msimbo wa mara moja uliotengenezwa huko; kisha ofisi kuu hutuma bidhaa na wafanyakazi wa duka. Duka linalojitegemea huruka hatua hii.</translation>
    </message>
    <message>
        <source>Enroll</source>
        <translation>Sajili</translation>
    </message>
    <message>
        <source>Enrolled as store {store}, till {till}, but this till keeps the ids typed on the shop page ({reason}): call support before selling.</source>
        <translation>Imesajiliwa kama duka {store}, kaunta {till}, lakini kaunta hii inabaki na vitambulisho vilivyoandikwa kwenye ukurasa wa duka ({reason}): piga simu kwa msaada kabla ya kuuza.</translation>
    </message>
    <message>
        <source>Enrolled as store {store}, till {till}.</source>
        <translation>Imesajiliwa kama duka {store}, till {till}.</translation>
    </message>
    <message>
        <source>Enrolling…</source>
        <translation>Inasajili…</translation>
    </message>
    <message>
        <source>Enrollment code</source>
        <translation>Msimbo wa usajili</translation>
    </message>
    <message>
        <source>Enrollment code: type the code shown at head office.</source>
        <translation>Msimbo wa usajili: andika msimbo unaoonyeshwa ofisi kuu.</translation>
    </message>
    <message>
        <source>Head office</source>
        <translation>Ofisi kuu</translation>
    </message>
    <message>
        <source>Head office address</source>
        <translation>Anwani ya ofisi kuu</translation>
    </message>
    <message>
        <source>Head office address: type the address, https://…</source>
        <translation>Anwani ya ofisi kuu: andika anwani, https://…</translation>
    </message>
    <message>
        <source>Till name</source>
        <translation>Jina la till</translation>
    </message>
    <message>
        <source>e.g. https://hq.example.co.ke</source>
        <translation>k.m. https://hq.example.co.ke</translation>
    </message>
</context>
<context>
    <name>KauntaDialog</name>
    <message>
        <source>Cancel</source>
        <translation>Ghairi</translation>
    </message>
</context>
<context>
    <name>Keypad</name>
    <message>
        <source>Clear</source>
        <translation>Futa yote</translation>
    </message>
    <message>
        <source>Delete the last digit</source>
        <translation>Futa tarakimu ya mwisho</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>Sawa</translation>
    </message>
</context>
<context>
    <name>LatePaymentsDialog</name>
    <message>
        <source>Done</source>
        <translation>Imekamilika</translation>
    </message>
    <message>
        <source>Give it back (through the gateway where it can refund; otherwise by a reversal or cash: say how in the note) or keep it as the customer's credit (name them in the note).</source>
        <translation>Irudishe (kupitia njia ya malipo pale inapowezekana; la sivyo kwa reversal au pesa taslimu: eleza jinsi kwenye maelezo) au iweke kama salio la mteja (andika jina lake kwenye maelezo).</translation>
    </message>
    <message>
        <source>Keep as credit</source>
        <translation>Weka kama salio</translation>
    </message>
    <message>
        <source>Late payments</source>
        <translation>Malipo yaliyochelewa</translation>
    </message>
    <message>
        <source>Money received that no open sale needed</source>
        <translation>Pesa zilizopokelewa bila mauzo yanayozihitaji</translation>
    </message>
    <message>
        <source>Refund</source>
        <translation>Rejesha pesa</translation>
    </message>
    <message>
        <source>Settled and recorded.</source>
        <translation>Imemalizwa na kurekodiwa.</translation>
    </message>
    <message>
        <source>note</source>
        <translation>maelezo</translation>
    </message>
    <message>
        <source>{method} {amount} from {payer}</source>
        <translation>{method} {amount} kutoka kwa {payer}</translation>
    </message>
</context>
<context>
    <name>LoginScreen</name>
    <message>
        <source>Choose your name and enter your PIN</source>
        <translation>Chagua jina lako na uweke PIN yako</translation>
    </message>
    <message>
        <source>Choose your name first.</source>
        <translation>Chagua jina lako kwanza.</translation>
    </message>
    <message>
        <source>Kaunta · {store}</source>
        <translation>Kaunta · {store}</translation>
    </message>
    <message>
        <source>LIVE — the shop's real till: real sales and receipts</source>
        <translation>HALISI — kaunta halisi ya duka: mauzo na risiti halisi</translation>
    </message>
    <message>
        <source>Locked. {name}: enter your PIN to continue — or choose another name to switch user. The open sale stays on the till.</source>
        <translation>Imefungwa. {name}: weka PIN yako kuendelea — au chagua jina lingine kubadilisha mtumiaji. Mauzo yaliyo wazi yanabaki kwenye till.</translation>
    </message>
    <message>
        <source>Manager unlock of this user</source>
        <translation>Meneja afungue mtumiaji huyu</translation>
    </message>
    <message>
        <source>PIN</source>
        <translation>PIN</translation>
    </message>
    <message>
        <source>Set my PIN (code from head office)</source>
        <translation>Weka PIN yangu (msimbo kutoka ofisi kuu)</translation>
    </message>
    <message>
        <source>Training mode demo users — {users}</source>
        <translation>Watumiaji wa majaribio wa hali ya mafunzo — {users}</translation>
    </message>
    <message>
        <source>Type your PIN.</source>
        <translation>Andika PIN yako.</translation>
    </message>
    <message>
        <source>locked</source>
        <translation>amefungiwa</translation>
    </message>
    <message>
        <source>{name} ({role}) PIN {pin}</source>
        <translation>{name} ({role}) PIN {pin}</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>A refund that was waiting for its terminal's answer went through: refund {number} recorded ({total}).</source>
        <translation>Marejesho yaliyokuwa yakisubiri jibu la mashine ya kadi yamekamilika: marejesho {number} yamerekodiwa ({total}).</translation>
    </message>
    <message>
        <source>A sale is open (1 item, {total}). It is kept and comes back when Kaunta starts again.</source>
        <translation>Kuna mauzo yaliyo wazi (bidhaa 1, {total}). Yanahifadhiwa na yatarudi Kaunta ikifunguliwa tena.</translation>
    </message>
    <message>
        <source>A sale is open ({items} items, {total}). It is kept and comes back when Kaunta starts again.</source>
        <translation>Kuna mauzo yaliyo wazi (bidhaa {items}, {total}). Yanahifadhiwa na yatarudi Kaunta ikifunguliwa tena.</translation>
    </message>
    <message>
        <source>Backup failed: {error}</source>
        <translation>Kuhifadhi nakala kumeshindikana: {error}</translation>
    </message>
    <message>
        <source>Close Kaunta?</source>
        <translation>Funga Kaunta?</translation>
    </message>
    <message>
        <source>Close anyway</source>
        <translation>Funga hata hivyo</translation>
    </message>
    <message>
        <source>Hand over {cash} in cash.</source>
        <translation>Toa {cash} taslimu.</translation>
    </message>
    <message>
        <source>Kaunta · {store} · till {till}</source>
        <translation>Kaunta · {store} · till {till}</translation>
    </message>
    <message>
        <source>Kaunta · {store} · till {till} · TRAINING</source>
        <translation>Kaunta · {store} · till {till} · MAFUNZO</translation>
    </message>
    <message>
        <source>Keep selling</source>
        <translation>Endelea kuuza</translation>
    </message>
    <message>
        <source>LIVE</source>
        <translation>HALISI</translation>
    </message>
    <message>
        <source>Locked</source>
        <translation>Imefungwa</translation>
    </message>
    <message>
        <source>Money received that no open sale needed: {total}. Manager: give it back to the customer or keep it as their credit (Settle…).</source>
        <translation>Pesa zilizopokelewa bila mauzo yanayozihitaji: {total}. Meneja: mrudishie mteja au ziweke kama salio lake (Maliza hesabu…).</translation>
    </message>
    <message>
        <source>Refund or credit money that no sale needed (manager)</source>
        <translation>Rejesha au weka kama salio pesa zisizohitajika na mauzo yoyote (meneja)</translation>
    </message>
    <message>
        <source>Settle…</source>
        <translation>Maliza hesabu…</translation>
    </message>
    <message>
        <source>Start-up check failed: {error}</source>
        <translation>Ukaguzi wa kuanza umeshindikana: {error}</translation>
    </message>
    <message>
        <source>TRAINING</source>
        <translation>MAFUNZO</translation>
    </message>
    <message>
        <source>TRAINING MODE — practice only: sales are not real and receipts are marked</source>
        <translation>HALI YA MAFUNZO — mazoezi tu: mauzo si ya kweli na risiti zimewekwa alama</translation>
    </message>
    <message>
        <source>That was a scan ({code}), not a PIN: log in first, then scan again.</source>
        <translation>Hiyo ilikuwa skani ({code}), si PIN: ingia kwanza, kisha uskani tena.</translation>
    </message>
    <message>
        <source>Unlocked. Enter the PIN to log in.</source>
        <translation>Imefunguliwa. Weka PIN kuingia.</translation>
    </message>
    <message>
        <source>Unlocking a user locked out after wrong PINs needs a manager.</source>
        <translation>Kumfungua mtumiaji aliyefungiwa baada ya PIN zisizo sahihi kunahitaji meneja.</translation>
    </message>
    <message>
        <source>{store} · till {till}</source>
        <translation>{store} · till {till}</translation>
    </message>
    <message>
        <source>{store} · till {till} · TRAINING</source>
        <translation>{store} · till {till} · MAFUNZO</translation>
    </message>
</context>
<context>
    <name>ManagerMenu</name>
    <message>
        <source>Back to the sale</source>
        <translation>Rudi kwenye mauzo</translation>
    </message>
    <message>
        <source>Cash in</source>
        <translation>Weka pesa droo</translation>
    </message>
    <message>
        <source>Cash out</source>
        <translation>Toa pesa droo</translation>
    </message>
    <message>
        <source>Close shift</source>
        <translation>Funga zamu</translation>
    </message>
    <message>
        <source>Daily totals</source>
        <translation>Jumla za siku</translation>
    </message>
    <message>
        <source>Devices</source>
        <translation>Vifaa</translation>
    </message>
    <message>
        <source>Head office (sync)</source>
        <translation>Ofisi kuu (usawazishaji)</translation>
    </message>
    <message>
        <source>KRA eTIMS queue</source>
        <translation>Foleni ya KRA eTIMS</translation>
    </message>
    <message>
        <source>Manager</source>
        <translation>Meneja</translation>
    </message>
    <message>
        <source>Manager's tools</source>
        <translation>Zana za meneja</translation>
    </message>
    <message>
        <source>No sale (open drawer)</source>
        <translation>Bila mauzo (fungua droo)</translation>
    </message>
    <message>
        <source>No shift is open: open one to sell.</source>
        <translation>Hakuna zamu iliyo wazi: fungua moja ili kuuza.</translation>
    </message>
    <message>
        <source>Open shift</source>
        <translation>Fungua zamu</translation>
    </message>
    <message>
        <source>Products</source>
        <translation>Bidhaa</translation>
    </message>
    <message>
        <source>Recorded.</source>
        <translation>Imerekodiwa.</translation>
    </message>
    <message>
        <source>Refund</source>
        <translation>Rejesha pesa</translation>
    </message>
    <message>
        <source>Refused sync events</source>
        <translation>Matukio yaliyokataliwa</translation>
    </message>
    <message>
        <source>Return without a receipt</source>
        <translation>Kurudisha bila risiti</translation>
    </message>
    <message>
        <source>Set my PIN (head-office code)</source>
        <translation>Weka PIN yangu (msimbo wa ofisi kuu)</translation>
    </message>
    <message>
        <source>Shift {number} closed: difference {difference}.</source>
        <translation>Zamu {number} imefungwa: tofauti {difference}.</translation>
    </message>
    <message>
        <source>Shift {number} is open.</source>
        <translation>Zamu {number} iko wazi.</translation>
    </message>
    <message>
        <source>Shift {number} open since {since}, by {who}, float {float}.</source>
        <translation>Zamu {number} iko wazi tangu {since}, na {who}, chenji ya kuanzia {float}.</translation>
    </message>
    <message>
        <source>Shop details</source>
        <translation>Maelezo ya duka</translation>
    </message>
    <message>
        <source>Staff</source>
        <translation>Wafanyakazi</translation>
    </message>
    <message>
        <source>VAT rates</source>
        <translation>Viwango vya VAT</translation>
    </message>
    <message>
        <source>X report</source>
        <translation>Ripoti ya X</translation>
    </message>
    <message>
        <source>Z report (end of day)</source>
        <translation>Ripoti Z (mwisho wa siku)</translation>
    </message>
    <message>
        <source>Z reports (reprint)</source>
        <translation>Ripoti Z (chapisha tena)</translation>
    </message>
</context>
<context>
    <name>ManagerPage</name>
    <message>
        <source>A till needs one manager: this step cannot be skipped. Cashiers and supervisors are added later from the manager's tools (or come from head office).</source>
        <translation>Till inahitaji meneja mmoja: hatua hii haiwezi kurukwa. Makeshia na wasimamizi huongezwa baadaye kutoka zana za meneja (au hutoka ofisi kuu).</translation>
    </message>
    <message>
        <source>Manager's name</source>
        <translation>Jina la meneja</translation>
    </message>
    <message>
        <source>Opening the shop's database…</source>
        <translation>Inafungua hifadhidata ya duka…</translation>
    </message>
    <message>
        <source>PIN</source>
        <translation>PIN</translation>
    </message>
    <message>
        <source>PIN again</source>
        <translation>PIN tena</translation>
    </message>
    <message>
        <source>The first manager</source>
        <translation>Meneja wa kwanza</translation>
    </message>
</context>
<context>
    <name>ModeSwitch</name>
    <message>
        <source>Kaunta closes this till and opens the training till: a demo shop kept apart from this shop's data, where nothing is real. Everyone logs in again.</source>
        <translation>Kaunta inafunga till hii na kufungua till ya mafunzo: duka la mfano lililowekwa mbali na data ya duka hili, ambapo hakuna kitu halisi. Kila mtu anaingia tena.</translation>
    </message>
    <message>
        <source>Kaunta closes this training till and opens the shop's live till. Training sales stay in training and are never sent. Everyone logs in again.</source>
        <translation>Kaunta inafunga till hii ya mafunzo na kufungua till halisi ya duka. Mauzo ya mafunzo yanabaki kwenye mafunzo na hayatumwi kamwe. Kila mtu anaingia tena.</translation>
    </message>
    <message>
        <source>Switch now</source>
        <translation>Badilisha sasa</translation>
    </message>
    <message>
        <source>Switch to live mode</source>
        <translation>Badili kwenda hali halisi</translation>
    </message>
    <message>
        <source>Switch to training mode</source>
        <translation>Badili kwenda hali ya mafunzo</translation>
    </message>
    <message>
        <source>There is no live set-up yet: close Kaunta and start it without --training; the set-up wizard makes one.</source>
        <translation>Bado hakuna mipangilio halisi: funga Kaunta na uiwashe bila --training; mwongozo wa kuweka utaitengeneza.</translation>
    </message>
    <message>
        <source>Training or live mode</source>
        <translation>Hali ya mafunzo au halisi</translation>
    </message>
</context>
<context>
    <name>NoReceiptReturnDialog</name>
    <message>
        <source>Give the money back</source>
        <translation>Rudisha pesa</translation>
    </message>
    <message>
        <source>One item a line: barcode or SKU, then the quantity</source>
        <translation>Bidhaa moja kwa kila mstari: msimbopau au SKU, kisha idadi</translation>
    </message>
    <message>
        <source>Refund {number} done: hand over {cash} in cash.</source>
        <translation>Marejesho {number} yamefanyika: toa {cash} taslimu.</translation>
    </message>
    <message>
        <source>Return without a receipt</source>
        <translation>Kurudisha bila risiti</translation>
    </message>
    <message>
        <source>Return without a receipt (manager only; cash at today's price)</source>
        <translation>Kurudisha bila risiti (meneja tu; taslimu kwa bei ya leo)</translation>
    </message>
    <message>
        <source>What happened (always needed here)</source>
        <translation>Nini kilitokea (kinahitajika kila mara hapa)</translation>
    </message>
    <message>
        <source>Write each line as a barcode or SKU and a quantity.</source>
        <translation>Andika kila mstari kama msimbopau au SKU na idadi.</translation>
    </message>
</context>
<context>
    <name>NumberDialog</name>
    <message>
        <source>OK</source>
        <translation>Sawa</translation>
    </message>
</context>
<context>
    <name>OpenShiftDialog</name>
    <message>
        <source>Open a shift</source>
        <translation>Fungua zamu</translation>
    </message>
    <message>
        <source>Open a shift: count the float in the drawer</source>
        <translation>Fungua zamu: hesabu chenji ya kuanzia iliyo droo</translation>
    </message>
    <message>
        <source>Open shift</source>
        <translation>Fungua zamu</translation>
    </message>
</context>
<context>
    <name>ParkedDialog</name>
    <message>
        <source>No parked sales on this till.</source>
        <translation>Hakuna mauzo yaliyowekwa kando kwenye till hii.</translation>
    </message>
    <message>
        <source>Parked sales</source>
        <translation>Mauzo yaliyowekwa kando</translation>
    </message>
    <message>
        <source>Recall</source>
        <translation>Rudisha</translation>
    </message>
</context>
<context>
    <name>ParkedEventsDialog</name>
    <message>
        <source>Close</source>
        <translation>Funga</translation>
    </message>
    <message>
        <source>Event</source>
        <translation>Tukio</translation>
    </message>
    <message>
        <source>Events refused by the head office</source>
        <translation>Matukio yaliyokataliwa na ofisi kuu</translation>
    </message>
    <message>
        <source>No event was refused.</source>
        <translation>Hakuna tukio lililokataliwa.</translation>
    </message>
    <message>
        <source>No.</source>
        <translation>Na.</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>Sababu</translation>
    </message>
    <message>
        <source>Refused</source>
        <translation>Imekataliwa</translation>
    </message>
    <message>
        <source>{n} days ago</source>
        <translation>siku {n} zilizopita</translation>
    </message>
    <message>
        <source>{n} events were refused. The others are sent as usual; these are offered again every hour. Give the reasons to head office.</source>
        <translation>Matukio {n} yamekataliwa. Mengine yanatumwa kama kawaida; haya yanajaribiwa tena kila saa. Peleka sababu kwa ofisi kuu.</translation>
    </message>
    <message>
        <source>{n} h ago</source>
        <translation>saa {n} zilizopita</translation>
    </message>
    <message>
        <source>{n} min ago</source>
        <translation>dakika {n} zilizopita</translation>
    </message>
</context>
<context>
    <name>PaymentsPage</name>
    <message>
        <source>Enter keys and test connection…</source>
        <translation>Weka funguo na ujaribu muunganisho…</translation>
    </message>
    <message>
        <source>Payments</source>
        <translation>Malipo</translation>
    </message>
    <message>
        <source>Tick the ways your customers pay. M-Pesa, PayPal and card payments need the keys from your provider: enter them and test the connection (they are kept in this computer's keyring, never in a file).</source>
        <translation>Weka alama kwenye njia wateja wako wanazolipa nazo. M-Pesa, PayPal na malipo ya kadi yanahitaji funguo kutoka kwa mtoa huduma wako: ziweke na ujaribu muunganisho (zinahifadhiwa kwenye keyring ya kompyuta hii, kamwe si kwenye faili).</translation>
    </message>
</context>
<context>
    <name>PinSetupDialog</name>
    <message>
        <source>Code from head office</source>
        <translation>Msimbo kutoka ofisi kuu</translation>
    </message>
    <message>
        <source>New PIN</source>
        <translation>PIN mpya</translation>
    </message>
    <message>
        <source>New PIN again</source>
        <translation>PIN mpya tena</translation>
    </message>
    <message>
        <source>Nobody on this till has a code waiting. Head office makes one (Staff, Make a PIN set-up code); it arrives with the next sync.</source>
        <translation>Hakuna mtu kwenye kaunta hii mwenye msimbo unaosubiri. Ofisi kuu inatengeneza mmoja (Wafanyakazi, Tengeneza msimbo wa kuweka PIN); unafika na usawazishaji unaofuata.</translation>
    </message>
    <message>
        <source>Only the person named types here. The code works once on this till, for 24 hours from when head office made it.</source>
        <translation>Mtu aliyetajwa pekee ndiye aandike hapa. Msimbo unafanya kazi mara moja kwenye kaunta hii, kwa saa 24 tangu ofisi kuu ilipoutengeneza.</translation>
    </message>
    <message>
        <source>Set PIN</source>
        <translation>Weka PIN</translation>
    </message>
    <message>
        <source>Set my PIN</source>
        <translation>Weka PIN yangu</translation>
    </message>
    <message>
        <source>Set your PIN with the code from head office</source>
        <translation>Weka PIN yako kwa msimbo kutoka ofisi kuu</translation>
    </message>
    <message>
        <source>Your name</source>
        <translation>Jina lako</translation>
    </message>
    <message>
        <source>{name}: your PIN is set. Log in with it.</source>
        <translation>{name}: PIN yako imewekwa. Ingia nayo.</translation>
    </message>
</context>
<context>
    <name>PinTwiceDialog</name>
    <message>
        <source>Again</source>
        <translation>Tena</translation>
    </message>
    <message>
        <source>New PIN</source>
        <translation>PIN mpya</translation>
    </message>
    <message>
        <source>Set PIN</source>
        <translation>Weka PIN</translation>
    </message>
    <message>
        <source>{name}: type your new PIN, then type it again.</source>
        <translation>{name}: andika PIN yako mpya, kisha uiandike tena.</translation>
    </message>
</context>
<context>
    <name>PrintedReceiptPanel</name>
    <message>
        <source>&lt; Previous</source>
        <translation>&lt; Iliyotangulia</translation>
    </message>
    <message>
        <source>Cash drawer open</source>
        <translation>Droo ya pesa iko wazi</translation>
    </message>
    <message>
        <source>Customer display:</source>
        <translation>Skrini ya mteja:</translation>
    </message>
    <message>
        <source>Drawer opened {n} times.</source>
        <translation>Droo imefunguliwa mara {n}.</translation>
    </message>
    <message>
        <source>Next &gt;</source>
        <translation>Endelea &gt;</translation>
    </message>
    <message>
        <source>Nothing printed yet.</source>
        <translation>Bado hakuna kilichochapishwa.</translation>
    </message>
    <message>
        <source>Paper in the printer</source>
        <translation>Karatasi iko kwenye printa</translation>
    </message>
    <message>
        <source>Printed receipt (training printer)</source>
        <translation>Risiti iliyochapishwa (printa ya mafunzo)</translation>
    </message>
    <message>
        <source>Receipt {n} of {count}, as the printer printed it</source>
        <translation>Risiti {n} kati ya {count}, kama printa ilivyoichapisha</translation>
    </message>
</context>
<context>
    <name>ProductsDialog</name>
    <message>
        <source>1 listed product is not registered with KRA yet. Kaunta registers it while KRA is online, and always before a sale of it is sent.</source>
        <translation>Bidhaa 1 iliyoorodheshwa bado haijasajiliwa na KRA. Kaunta huisajili KRA ikiwa mtandaoni, na kila mara kabla mauzo yake hayajatumwa.</translation>
    </message>
    <message>
        <source>Active</source>
        <translation>Inatumika</translation>
    </message>
    <message>
        <source>Barcodes</source>
        <translation>Misimbopau</translation>
    </message>
    <message>
        <source>CSV files (*.csv)</source>
        <translation>Faili za CSV (*.csv)</translation>
    </message>
    <message>
        <source>Category</source>
        <translation>Aina</translation>
    </message>
    <message>
        <source>Checking lines: {done} of {total}</source>
        <translation>Inakagua mistari: {done} kati ya {total}</translation>
    </message>
    <message>
        <source>Deactivate</source>
        <translation>Zima</translation>
    </message>
    <message>
        <source>Deactivated</source>
        <translation>Imezimwa</translation>
    </message>
    <message>
        <source>Empty: the branch default</source>
        <translation>Tupu: ainisho la kawaida la tawi</translation>
    </message>
    <message>
        <source>Export CSV</source>
        <translation>Hamisha CSV</translation>
    </message>
    <message>
        <source>Import CSV</source>
        <translation>Leta CSV</translation>
    </message>
    <message>
        <source>Imported {count} products ({skipped} bad rows skipped).</source>
        <translation>Bidhaa {count} zimeletwa (mistari {skipped} yenye makosa imerukwa).</translation>
    </message>
    <message>
        <source>Importing {name}…</source>
        <translation>Inaleta {name}…</translation>
    </message>
    <message>
        <source>KRA</source>
        <translation>KRA</translation>
    </message>
    <message>
        <source>KRA item class</source>
        <translation>Ainisho la bidhaa la KRA</translation>
    </message>
    <message>
        <source>KRA refused it: point at it for the reason (often an item class KRA does not list).</source>
        <translation>KRA imeikataa: elekeza kwenye bidhaa hiyo uone sababu (mara nyingi ni ainisho la bidhaa ambalo KRA haina kwenye orodha yake).</translation>
    </message>
    <message>
        <source>KRA refused to register 1 listed product again (a new item class or VAT band): point at it for the reason.</source>
        <translation>KRA imekataa kusajili upya bidhaa 1 iliyoorodheshwa (ainisho jipya la bidhaa au kundi jipya la VAT): elekeza kwenye bidhaa hiyo uone sababu.</translation>
    </message>
    <message>
        <source>KRA refused to register {n} listed products again (a new item class or VAT band): point at one for the reason.</source>
        <translation>KRA imekataa kusajili upya bidhaa {n} zilizoorodheshwa (ainisho jipya la bidhaa au kundi jipya la VAT): elekeza kwenye moja uone sababu.</translation>
    </message>
    <message>
        <source>KRA refused {n} of them: point at one for the reason (often an item class KRA does not list).</source>
        <translation>KRA imekataa {n} kati yake: elekeza kwenye moja uone sababu (mara nyingi ni ainisho la bidhaa ambalo KRA haina kwenye orodha yake).</translation>
    </message>
    <message>
        <source>KRA still has it as {now}.</source>
        <translation>KRA bado inayo kama {now}.</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Jina</translation>
    </message>
    <message>
        <source>New product</source>
        <translation>Bidhaa mpya</translation>
    </message>
    <message>
        <source>Nothing imported: {bad} of {rows} rows have errors (listed above). Fix them, or tick the box to import the good rows.</source>
        <translation>Hakuna kilicholetwa: mistari {bad} kati ya {rows} ina makosa (yameorodheshwa juu). Yarekebishe, au weka alama kwenye kisanduku ili kuleta mistari mizuri.</translation>
    </message>
    <message>
        <source>One barcode a line</source>
        <translation>Msimbopau mmoja kwa kila mstari</translation>
    </message>
    <message>
        <source>Price</source>
        <translation>Bei</translation>
    </message>
    <message>
        <source>Price ({currency})</source>
        <translation>Bei ({currency})</translation>
    </message>
    <message>
        <source>Products</source>
        <translation>Bidhaa</translation>
    </message>
    <message>
        <source>Products file</source>
        <translation>Faili ya bidhaa</translation>
    </message>
    <message>
        <source>Reactivate</source>
        <translation>Washa tena</translation>
    </message>
    <message>
        <source>Reading {name}…</source>
        <translation>Inasoma {name}…</translation>
    </message>
    <message>
        <source>Registered as {now}; Kaunta registers it again as {wanted}.</source>
        <translation>Imesajiliwa kama {now}; Kaunta inaisajili upya kama {wanted}.</translation>
    </message>
    <message>
        <source>SKU</source>
        <translation>SKU</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>Hifadhi</translation>
    </message>
    <message>
        <source>Saved {name}.</source>
        <translation>{name} imehifadhiwa.</translation>
    </message>
    <message>
        <source>Search by SKU, barcode or name</source>
        <translation>Tafuta kwa SKU, msimbopau au jina</translation>
    </message>
    <message>
        <source>This till is enrolled: head office owns the products. They are shown here read-only; change them at head office.</source>
        <translation>Mashine hii imesajiliwa: bidhaa ni za ofisi kuu. Zinaonyeshwa hapa kwa kusoma tu; zibadilishe ofisi kuu.</translation>
    </message>
    <message>
        <source>Type the price as a number, e.g. 65 or 65.50.</source>
        <translation>Andika bei kama namba, k.m. 65 au 65.50.</translation>
    </message>
    <message>
        <source>VAT class</source>
        <translation>Kundi la VAT</translation>
    </message>
    <message>
        <source>When importing, import the good rows and skip the bad ones</source>
        <translation>Unapoleta, leta mistari mizuri na uruke yenye makosa</translation>
    </message>
    <message>
        <source>Writing products: {done} of {total}</source>
        <translation>Inaandika bidhaa: {done} kati ya {total}</translation>
    </message>
    <message>
        <source>branch default</source>
        <translation>ainisho la tawi</translation>
    </message>
    <message>
        <source>not registered</source>
        <translation>haijasajiliwa</translation>
    </message>
    <message>
        <source>refused</source>
        <translation>imekataliwa</translation>
    </message>
    <message>
        <source>registered</source>
        <translation>imesajiliwa</translation>
    </message>
    <message>
        <source>registering again</source>
        <translation>inasajiliwa upya</translation>
    </message>
    <message>
        <source>{count} products written to {path}.</source>
        <translation>Bidhaa {count} zimeandikwa kwenye {path}.</translation>
    </message>
    <message>
        <source>{n} listed products are not registered with KRA yet. Kaunta registers them while KRA is online, and always before a sale of one is sent.</source>
        <translation>Bidhaa {n} zilizoorodheshwa bado hazijasajiliwa na KRA. Kaunta huzisajili KRA ikiwa mtandaoni, na kila mara kabla mauzo yake hayajatumwa.</translation>
    </message>
    <message>
        <source>… and {more} more bad rows: all of them are listed in {path}.</source>
        <translation>… na mistari mingine {more} yenye makosa: yote imeorodheshwa katika {path}.</translation>
    </message>
</context>
<context>
    <name>ReasonDialog</name>
    <message>
        <source>Give a reason (at least 3 characters).</source>
        <translation>Toa sababu (angalau herufi 3).</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>Sawa</translation>
    </message>
</context>
<context>
    <name>ReceiptBrowser</name>
    <message>
        <source>Close</source>
        <translation>Funga</translation>
    </message>
    <message>
        <source>Copy of refund {number} made, marked COPY (no receipt printer is set up on this till: show it on screen).</source>
        <translation>Nakala ya marejesho {number} imetengenezwa, imewekwa alama NAKALA (hakuna printa ya risiti kwenye kaunta hii: ionyeshe kwenye skrini).</translation>
    </message>
    <message>
        <source>Copy of refund {number} sent to the printer, marked COPY.</source>
        <translation>Nakala ya marejesho {number} imetumwa kwa printa, imewekwa alama NAKALA.</translation>
    </message>
    <message>
        <source>Copy of {number} made, marked COPY (no receipt printer is set up on this till: show it on screen).</source>
        <translation>Nakala ya {number} imetengenezwa, imewekwa alama NAKALA (hakuna printa ya risiti kwenye kaunta hii: ionyeshe kwenye skrini).</translation>
    </message>
    <message>
        <source>Copy of {number} sent to the printer, marked COPY.</source>
        <translation>Nakala ya {number} imetumwa kwa printa, imewekwa alama NAKALA.</translation>
    </message>
    <message>
        <source>Found at head office: sold at another till of this shop. Its copy is reprinted there; a refund is made from Refunds.</source>
        <translation>Imepatikana ofisi kuu: iliuzwa kwenye kaunta nyingine ya duka hili. Nakala yake inachapishwa upya huko; marejesho yanafanywa kutoka Marejesho.</translation>
    </message>
    <message>
        <source>Next day ▶</source>
        <translation>Siku inayofuata ▶</translation>
    </message>
    <message>
        <source>No receipts on {day}.</source>
        <translation>Hakuna risiti tarehe {day}.</translation>
    </message>
    <message>
        <source>No sale has been paid on this till yet.</source>
        <translation>Bado hakuna mauzo yaliyolipwa kwenye till hii.</translation>
    </message>
    <message>
        <source>Not in this till's journal: asking head office…</source>
        <translation>Haipo kwenye kumbukumbu za kaunta hii: inauliza ofisi kuu…</translation>
    </message>
    <message>
        <source>Nothing matches “{text}” (amounts are looked for on {day}).</source>
        <translation>Hakuna kinacholingana na “{text}” (kiasi kinatafutwa tarehe {day}).</translation>
    </message>
    <message>
        <source>Nothing matches “{text}” on this till (amounts are looked for on {day}): press Enter to ask head office.</source>
        <translation>Hakuna kinacholingana na “{text}” kwenye kaunta hii (kiasi kinatafutwa tarehe {day}): bonyeza Enter kuuliza ofisi kuu.</translation>
    </message>
    <message>
        <source>Paid by</source>
        <translation>Imelipwa kwa</translation>
    </message>
    <message>
        <source>Press Enter again to reprint {number} as a COPY.</source>
        <translation>Bonyeza Enter tena kuchapisha {number} tena kama NAKALA.</translation>
    </message>
    <message>
        <source>REFUNDED {number} · {when} · -{total}</source>
        <translation>IMEREJESHWA {number} · {when} · -{total}</translation>
    </message>
    <message>
        <source>Receipt</source>
        <translation>Risiti</translation>
    </message>
    <message>
        <source>Receipt number or its last digits, amount, or reference</source>
        <translation>Nambari ya risiti au tarakimu zake za mwisho, kiasi, au kumbukumbu</translation>
    </message>
    <message>
        <source>Receipt {number} · {when}</source>
        <translation>Risiti {number} · {when}</translation>
    </message>
    <message>
        <source>Receipts</source>
        <translation>Risiti</translation>
    </message>
    <message>
        <source>Refunded before: {numbers}.</source>
        <translation>Marejesho ya awali: {numbers}.</translation>
    </message>
    <message>
        <source>Reprint (COPY)</source>
        <translation>Chapisha tena (NAKALA)</translation>
    </message>
    <message>
        <source>Reprint refund (COPY)</source>
        <translation>Chapisha tena marejesho (NAKALA)</translation>
    </message>
    <message>
        <source>Reprint the chosen receipt, marked COPY (Enter)</source>
        <translation>Chapisha tena risiti uliyochagua, ikiwa na alama NAKALA (Enter)</translation>
    </message>
    <message>
        <source>Reprint the latest refund of the chosen receipt, marked COPY</source>
        <translation>Chapisha tena marejesho ya mwisho ya risiti uliyochagua, yakiwa na alama NAKALA</translation>
    </message>
    <message>
        <source>Scan or type a receipt number, an amount, or an M-Pesa, PayPal or card reference. Numbers and references are found on any day; amounts on the day shown.</source>
        <translation>Skani au andika nambari ya risiti, kiasi, au kumbukumbu ya M-Pesa, PayPal au kadi. Nambari na kumbukumbu zinapatikana siku yoyote; kiasi ni kwa siku inayoonyeshwa.</translation>
    </message>
    <message>
        <source>Sold at till {terminal} (head office's copy).</source>
        <translation>Iliuzwa kwenye kaunta {terminal} (nakala ya ofisi kuu).</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>Saa</translation>
    </message>
    <message>
        <source>Today</source>
        <translation>Leo</translation>
    </message>
    <message>
        <source>Total</source>
        <translation>Jumla</translation>
    </message>
    <message>
        <source>Total {total}</source>
        <translation>Jumla {total}</translation>
    </message>
    <message>
        <source>{number} was voided: it is not a proof of payment.</source>
        <translation>{number} ilifutwa: si uthibitisho wa malipo.</translation>
    </message>
    <message>
        <source>◀ Previous day</source>
        <translation>◀ Siku iliyopita</translation>
    </message>
</context>
<context>
    <name>ReceiptDialog</name>
    <message>
        <source>Change: {change}</source>
        <translation>Chenji: {change}</translation>
    </message>
    <message>
        <source>New sale</source>
        <translation>Mauzo mapya</translation>
    </message>
    <message>
        <source>No receipt printer is set up on this till.
The receipt is stored; show it again or print a copy any time with Last receipt (F9).</source>
        <translation>Hakuna printa ya risiti kwenye kaunta hii.
Risiti imehifadhiwa; ionyeshe tena au chapisha nakala wakati wowote kwa Risiti ya mwisho (F9).</translation>
    </message>
    <message>
        <source>Receipt {number}</source>
        <translation>Risiti {number}</translation>
    </message>
    <message>
        <source>Sent to the receipt printer.
Show it again or print a copy any time with Last receipt (F9).</source>
        <translation>Imetumwa kwa printa ya risiti.
Ionyeshe tena au chapisha nakala wakati wowote kwa Risiti ya mwisho (F9).</translation>
    </message>
</context>
<context>
    <name>ReceiptPage</name>
    <message>
        <source>A few lines of your own: the header under the address (opening hours), the footer at the bottom (a thank-you, the returns rule). At most 4 lines of 40 characters each.</source>
        <translation>Mistari michache yako: kichwa chini ya anwani (saa za kufungua), sehemu ya chini mwishoni (shukrani, sheria ya kurudisha bidhaa). Mistari 4 isiyozidi herufi 40 kila mmoja.</translation>
    </message>
    <message>
        <source>Receipt footer</source>
        <translation>Sehemu ya chini ya risiti</translation>
    </message>
    <message>
        <source>Receipt header</source>
        <translation>Kichwa cha risiti</translation>
    </message>
    <message>
        <source>Receipt header and footer</source>
        <translation>Kichwa na sehemu ya chini ya risiti</translation>
    </message>
</context>
<context>
    <name>RefundDialog</name>
    <message>
        <source>All that is left</source>
        <translation>Zote zilizobaki</translation>
    </message>
    <message>
        <source>Asking the terminal about the waiting refunds…</source>
        <translation>Inauliza mashine ya kadi kuhusu marejesho yanayosubiri…</translation>
    </message>
    <message>
        <source>Cash from the drawer</source>
        <translation>Taslimu kutoka droo</translation>
    </message>
    <message>
        <source>Changed their mind</source>
        <translation>Amebadili nia</translation>
    </message>
    <message>
        <source>Check again</source>
        <translation>Angalia tena</translation>
    </message>
    <message>
        <source>Choose how many of each item come back.</source>
        <translation>Chagua ni ngapi za kila bidhaa zinarudi.</translation>
    </message>
    <message>
        <source>Choose the items to refund and how many of each.</source>
        <translation>Chagua bidhaa za kurejeshea pesa na idadi ya kila moja.</translation>
    </message>
    <message>
        <source>Damaged</source>
        <translation>Imeharibika</translation>
    </message>
    <message>
        <source>Day</source>
        <translation>Siku</translation>
    </message>
    <message>
        <source>Everything on this receipt was refunded already.</source>
        <translation>Kila kitu kwenye risiti hii kimesharejeshwa.</translation>
    </message>
    <message>
        <source>Expired</source>
        <translation>Imepitwa na muda</translation>
    </message>
    <message>
        <source>Found at head office: sold at another till of this shop.</source>
        <translation>Imepatikana ofisi kuu: iliuzwa kwenye kaunta nyingine ya duka hili.</translation>
    </message>
    <message>
        <source>Giving the money back through {labels}: follow its screen (a card refund may need the card again)…</source>
        <translation>Pesa zinarudishwa kupitia {labels}: fuata skrini yake (marejesho ya kadi yanaweza kuhitaji kadi tena)…</translation>
    </message>
    <message>
        <source>Hand over {cash} in cash.</source>
        <translation>Toa {cash} taslimu.</translation>
    </message>
    <message>
        <source>Head office refused refund {number}: {reason}</source>
        <translation>Ofisi kuu imekataa marejesho {number}: {reason}</translation>
    </message>
    <message>
        <source>Head office refused refund {number}: {reason} Do not give that money back again; tell head office.</source>
        <translation>Ofisi kuu imekataa marejesho {number}: {reason} Usirudishe pesa hizo tena; iambie ofisi kuu.</translation>
    </message>
    <message>
        <source>It did not go back</source>
        <translation>Hazikurudi</translation>
    </message>
    <message>
        <source>It went back</source>
        <translation>Zimerudi</translation>
    </message>
    <message>
        <source>Item</source>
        <translation>Bidhaa</translation>
    </message>
    <message>
        <source>No money went back: nothing is recorded as refunded, and the sale can be refunded again.</source>
        <translation>Hakuna pesa zilizorudi: hakuna kilichorekodiwa kama kimerudishwa, na mauzo haya yanaweza kurejeshwa tena.</translation>
    </message>
    <message>
        <source>No receipt matches on this till: press Enter to ask head office.</source>
        <translation>Hakuna risiti inayolingana kwenye kaunta hii: bonyeza Enter kuuliza ofisi kuu.</translation>
    </message>
    <message>
        <source>No receipt matches, on this till or at head office.</source>
        <translation>Hakuna risiti inayolingana, kwenye kaunta hii wala ofisi kuu.</translation>
    </message>
    <message>
        <source>No receipt matches.</source>
        <translation>Hakuna risiti inayolingana.</translation>
    </message>
    <message>
        <source>No refund is waiting for an answer.</source>
        <translation>Hakuna marejesho yanayosubiri jibu.</translation>
    </message>
    <message>
        <source>Not in this till's journal: asking head office…</source>
        <translation>Haipo kwenye kumbukumbu za kaunta hii: inauliza ofisi kuu…</translation>
    </message>
    <message>
        <source>Only after looking: what the terminal's journal shows (its receipt number)</source>
        <translation>Baada ya kuangalia tu: kinachoonyeshwa na kumbukumbu za mashine ya kadi (nambari ya risiti yake)</translation>
    </message>
    <message>
        <source>Other (say why)</source>
        <translation>Nyingine (sema kwa nini)</translation>
    </message>
    <message>
        <source>Paid by</source>
        <translation>Imelipwa kwa</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>Sababu</translation>
    </message>
    <message>
        <source>Receipt</source>
        <translation>Risiti</translation>
    </message>
    <message>
        <source>Receipt {number} of {when}, total {total}.</source>
        <translation>Risiti {number} ya {when}, jumla {total}.</translation>
    </message>
    <message>
        <source>Refund</source>
        <translation>Rejesha pesa</translation>
    </message>
    <message>
        <source>Refund done. This till has no receipt printer.</source>
        <translation>Marejesho yamekamilika. Kaunta hii haina printa ya risiti.</translation>
    </message>
    <message>
        <source>Refund now</source>
        <translation>Rejesha sasa</translation>
    </message>
    <message>
        <source>Refund {number} done: {total} given back.</source>
        <translation>Marejesho {number} yamefanyika: {total} zimerudishwa.</translation>
    </message>
    <message>
        <source>Refund {number} recorded: {total} went back.</source>
        <translation>Marejesho {number} yamerekodiwa: {total} zimerudishwa.</translation>
    </message>
    <message>
        <source>Refund {number} sent to the printer again, marked COPY.</source>
        <translation>Marejesho {number} yametumwa kwa printa tena, yakiwa na alama COPY.</translation>
    </message>
    <message>
        <source>Refund: find the sale</source>
        <translation>Marejesho: tafuta mauzo</translation>
    </message>
    <message>
        <source>Refunded</source>
        <translation>Zilizorejeshwa</translation>
    </message>
    <message>
        <source>Refunded before: {numbers}.</source>
        <translation>Marejesho ya awali: {numbers}.</translation>
    </message>
    <message>
        <source>Reprint refund</source>
        <translation>Chapisha marejesho tena</translation>
    </message>
    <message>
        <source>Reversal by hand (type its reference)</source>
        <translation>Kurudisha kwa mkono (andika kumbukumbu yake)</translation>
    </message>
    <message>
        <source>Reversal reference</source>
        <translation>Kumbukumbu ya kurudisha</translation>
    </message>
    <message>
        <source>Scan the receipt, or type its number, the amount or the payment reference</source>
        <translation>Skani risiti, au andika namba yake, kiasi au kumbukumbu ya malipo</translation>
    </message>
    <message>
        <source>Sold</source>
        <translation>Zilizouzwa</translation>
    </message>
    <message>
        <source>Sold at till {terminal}, found at head office (refunds counted as of {found}).</source>
        <translation>Iliuzwa kwenye kaunta {terminal}, imepatikana ofisi kuu (marejesho yamehesabiwa kufikia {found}).</translation>
    </message>
    <message>
        <source>Still waiting: {problem}</source>
        <translation>Bado inasubiri: {problem}</translation>
    </message>
    <message>
        <source>The refund receipt was sent to the printer.</source>
        <translation>Risiti ya marejesho imetumwa kwa printa.</translation>
    </message>
    <message>
        <source>The terminal did not answer after the refund was sent: nothing is recorded as refunded yet. See the waiting refund above.</source>
        <translation>Mashine ya kadi haikujibu baada ya marejesho kutumwa: bado hakuna kilichorekodiwa kama kimerudishwa. Tazama marejesho yanayosubiri hapo juu.</translation>
    </message>
    <message>
        <source>This till has no receipt printer.</source>
        <translation>Kaunta hii haina printa ya risiti.</translation>
    </message>
    <message>
        <source>Through the method</source>
        <translation>Kupitia njia ya malipo</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>Saa</translation>
    </message>
    <message>
        <source>To give back: {total} ({parts}).</source>
        <translation>Cha kurudisha: {total} ({parts}).</translation>
    </message>
    <message>
        <source>Total</source>
        <translation>Jumla</translation>
    </message>
    <message>
        <source>What happened (needed for Other)</source>
        <translation>Nini kilitokea (kinahitajika kwa Nyingine)</translation>
    </message>
    <message>
        <source>Wrong item</source>
        <translation>Bidhaa isiyo sahihi</translation>
    </message>
    <message>
        <source>Wrong price</source>
        <translation>Bei isiyo sahihi</translation>
    </message>
    <message>
        <source>{label}: paid {paid}, given back {back}</source>
        <translation>{label}: imelipwa {paid}, imerudishwa {back}</translation>
    </message>
    <message>
        <source>{label}: {reference}</source>
        <translation>{label}: {reference}</translation>
    </message>
</context>
<context>
    <name>RegionPage</name>
    <message>
        <source>Currency</source>
        <translation>Sarafu</translation>
    </message>
    <message>
        <source>Currency and language</source>
        <translation>Sarafu na lugha</translation>
    </message>
    <message>
        <source>English</source>
        <translation>Kiingereza</translation>
    </message>
    <message>
        <source>English and Kiswahili</source>
        <translation>Kiingereza na Kiswahili</translation>
    </message>
    <message>
        <source>Kiswahili</source>
        <translation>Kiswahili</translation>
    </message>
    <message>
        <source>Prices are in one currency; the time zone decides each sale's business day.</source>
        <translation>Bei ziko katika sarafu moja; saa za eneo huamua siku ya biashara ya kila mauzo.</translation>
    </message>
    <message>
        <source>Receipt language</source>
        <translation>Lugha ya risiti</translation>
    </message>
    <message>
        <source>Time zone</source>
        <translation>Saa za eneo</translation>
    </message>
</context>
<context>
    <name>ReportDialog</name>
    <message>
        <source>Close</source>
        <translation>Funga</translation>
    </message>
    <message>
        <source>Could not write {path}: {error}</source>
        <translation>Haikuwezekana kuandika {path}: {error}</translation>
    </message>
    <message>
        <source>Export CSV</source>
        <translation>Hamisha CSV</translation>
    </message>
    <message>
        <source>Export PDF</source>
        <translation>Hamisha PDF</translation>
    </message>
    <message>
        <source>Export to</source>
        <translation>Hamisha kwenda</translation>
    </message>
    <message>
        <source>No receipt printer is set up on this till.</source>
        <translation>Hakuna printa ya risiti kwenye kaunta hii.</translation>
    </message>
    <message>
        <source>No receipt printer is set up on this till: export the report as PDF instead.</source>
        <translation>Hakuna printa ya risiti iliyowekwa kwenye kaunta hii: hamisha ripoti kama PDF badala yake.</translation>
    </message>
    <message>
        <source>Print</source>
        <translation>Chapisha</translation>
    </message>
    <message>
        <source>Refunds waiting: {count} ({amounts}). They are not counted in this report yet: resolve each in the refund dialog (Check again, or settle by hand) before the Z.</source>
        <translation>Marejesho yanayosubiri: {count} ({amounts}). Bado hayajahesabiwa katika ripoti hii: shughulikia kila moja kwenye dirisha la marejesho (Angalia tena, au maliza kwa mkono) kabla ya Z.</translation>
    </message>
    <message>
        <source>Saved {path}</source>
        <translation>Imehifadhiwa {path}</translation>
    </message>
    <message>
        <source>Sending the report to the printer…</source>
        <translation>Inatuma ripoti kwenye printa…</translation>
    </message>
    <message>
        <source>The printer is not ready: the report is kept and prints as soon as the printer is ready.</source>
        <translation>Printa haiko tayari: ripoti imehifadhiwa na itachapishwa mara printa itakapokuwa tayari.</translation>
    </message>
    <message>
        <source>The report was not printed: {error}. Try again, or export a PDF.</source>
        <translation>Ripoti haikuchapishwa: {error}. Jaribu tena, au hamisha PDF.</translation>
    </message>
    <message>
        <source>The report was printed.</source>
        <translation>Ripoti imechapishwa.</translation>
    </message>
    <message>
        <source>X report</source>
        <translation>Ripoti ya X</translation>
    </message>
    <message>
        <source>Z report {number}</source>
        <translation>Ripoti ya Z {number}</translation>
    </message>
</context>
<context>
    <name>Role</name>
    <message>
        <source>cashier</source>
        <translation>keshia</translation>
    </message>
    <message>
        <source>manager</source>
        <translation>meneja</translation>
    </message>
    <message>
        <source>supervisor</source>
        <translation>msimamizi</translation>
    </message>
</context>
<context>
    <name>SaleScreen</name>
    <message>
        <source>  (order {discount})</source>
        <translation>  (oda {discount})</translation>
    </message>
    <message>
        <source>(price changed)</source>
        <translation>(bei imebadilishwa)</translation>
    </message>
    <message>
        <source>Buyer PIN</source>
        <translation>PIN ya mnunuzi</translation>
    </message>
    <message>
        <source>Buyer's PIN</source>
        <translation>PIN ya mnunuzi</translation>
    </message>
    <message>
        <source>Change price</source>
        <translation>Badilisha bei</translation>
    </message>
    <message>
        <source>Customer cannot pay</source>
        <translation>Mteja hawezi kulipa</translation>
    </message>
    <message>
        <source>Customer changed mind</source>
        <translation>Mteja amebadilisha nia</translation>
    </message>
    <message>
        <source>Customer fetching money</source>
        <translation>Mteja anaenda kuleta pesa</translation>
    </message>
    <message>
        <source>Customer still shopping</source>
        <translation>Mteja bado ananunua</translation>
    </message>
    <message>
        <source>Discount</source>
        <translation>Punguzo</translation>
    </message>
    <message>
        <source>Discount on the whole order</source>
        <translation>Punguzo kwa oda nzima</translation>
    </message>
    <message>
        <source>Discount on {name}</source>
        <translation>Punguzo kwa {name}</translation>
    </message>
    <message>
        <source>Discounts</source>
        <translation>Mapunguzo</translation>
    </message>
    <message>
        <source>Give back {amount} cash to the customer.</source>
        <translation>Mrudishie mteja pesa taslimu {amount}.</translation>
    </message>
    <message>
        <source>Item</source>
        <translation>Bidhaa</translation>
    </message>
    <message>
        <source>Items</source>
        <translation>Bidhaa</translation>
    </message>
    <message>
        <source>Line discount</source>
        <translation>Punguzo la bidhaa</translation>
    </message>
    <message>
        <source>Lock</source>
        <translation>Funga skrini</translation>
    </message>
    <message>
        <source>Money was taken on this sale: the buyer's KRA PIN can no longer change.</source>
        <translation>Pesa zimeshapokelewa kwenye mauzo haya: PIN ya KRA ya mnunuzi haiwezi kubadilishwa tena.</translation>
    </message>
    <message>
        <source>New quantity for {name}</source>
        <translation>Idadi mpya ya {name}</translation>
    </message>
    <message>
        <source>New unit price for {name} (list {price})</source>
        <translation>Bei mpya ya kipande cha {name} (bei ya orodha {price})</translation>
    </message>
    <message>
        <source>No product matches. Check the spelling, or scan it.</source>
        <translation>Hakuna bidhaa inayolingana. Angalia tahajia, au iskani.</translation>
    </message>
    <message>
        <source>Note (optional), to find it again:</source>
        <translation>Maelezo (si lazima), ili kuyapata tena:</translation>
    </message>
    <message>
        <source>Order discount</source>
        <translation>Punguzo la oda</translation>
    </message>
    <message>
        <source>Paid</source>
        <translation>Imelipwa</translation>
    </message>
    <message>
        <source>Park sale</source>
        <translation>Weka kando</translation>
    </message>
    <message>
        <source>Part payment taken. Still due: {due}.</source>
        <translation>Sehemu ya malipo imepokelewa. Bado kulipwa: {due}.</translation>
    </message>
    <message>
        <source>Pay cash</source>
        <translation>Lipa pesa taslimu</translation>
    </message>
    <message>
        <source>Price</source>
        <translation>Bei</translation>
    </message>
    <message>
        <source>Price check</source>
        <translation>Kuangalia bei</translation>
    </message>
    <message>
        <source>Qty</source>
        <translation>Idadi</translation>
    </message>
    <message>
        <source>Quantity</source>
        <translation>Idadi</translation>
    </message>
    <message>
        <source>Quantity must be a whole number, e.g. 3.</source>
        <translation>Idadi lazima iwe namba kamili, kwa mfano 3.</translation>
    </message>
    <message>
        <source>Recall sale</source>
        <translation>Rudisha mauzo</translation>
    </message>
    <message>
        <source>Receipts</source>
        <translation>Risiti</translation>
    </message>
    <message>
        <source>Remove line</source>
        <translation>Ondoa mstari</translation>
    </message>
    <message>
        <source>STILL DUE</source>
        <translation>BADO KULIPWA</translation>
    </message>
    <message>
        <source>Sale parked. Recall it with F7.</source>
        <translation>Mauzo yamewekwa kando. Yarudishe kwa F7.</translation>
    </message>
    <message>
        <source>Sale voided ({number}).</source>
        <translation>Mauzo yamefutwa ({number}).</translation>
    </message>
    <message>
        <source>Scan a barcode, or type a name or SKU to search   (F1)</source>
        <translation>Skani barcode, au andika jina au SKU kutafuta   (F1)</translation>
    </message>
    <message>
        <source>Scan the items first, then add the buyer's KRA PIN.</source>
        <translation>Skani bidhaa kwanza, kisha ongeza PIN ya KRA ya mnunuzi.</translation>
    </message>
    <message>
        <source>Scanned {code}: it goes into the basket when this window closes ({waiting} scans waiting).</source>
        <translation>Imeskaniwa {code}: itaingia kikapuni dirisha hili likifungwa (skani {waiting} zinasubiri).</translation>
    </message>
    <message>
        <source>Scanned {code}: it goes into the basket when this window closes.</source>
        <translation>Imeskaniwa {code}: itaingia kikapuni dirisha hili likifungwa.</translation>
    </message>
    <message>
        <source>Search</source>
        <translation>Tafuta</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>Mipangilio</translation>
    </message>
    <message>
        <source>Subtotal</source>
        <translation>Jumla ndogo</translation>
    </message>
    <message>
        <source>Switch user</source>
        <translation>Badilisha mtumiaji</translation>
    </message>
    <message>
        <source>TO PAY</source>
        <translation>YA KULIPA</translation>
    </message>
    <message>
        <source>Test sale</source>
        <translation>Mauzo ya majaribio</translation>
    </message>
    <message>
        <source>That payment method is not set up on this till.</source>
        <translation>Njia hiyo ya malipo haijawekwa kwenye till hii.</translation>
    </message>
    <message>
        <source>The basket is empty: scan an item first.</source>
        <translation>Kikapu ni kitupu: skani bidhaa kwanza.</translation>
    </message>
    <message>
        <source>The basket is empty: there is nothing to void.</source>
        <translation>Kikapu ni kitupu: hakuna cha kufuta.</translation>
    </message>
    <message>
        <source>Total</source>
        <translation>Jumla</translation>
    </message>
    <message>
        <source>VAT</source>
        <translation>VAT</translation>
    </message>
    <message>
        <source>VAT included</source>
        <translation>VAT imejumuishwa</translation>
    </message>
    <message>
        <source>Void sale</source>
        <translation>Futa mauzo</translation>
    </message>
    <message>
        <source>Why is this sale voided?</source>
        <translation>Kwa nini mauzo haya yanafutwa?</translation>
    </message>
    <message>
        <source>Wrong items rung up</source>
        <translation>Bidhaa zisizo sahihi zimeingizwa</translation>
    </message>
    <message>
        <source>{label}: {vat} of {gross}</source>
        <translation>{label}: {vat} kati ya {gross}</translation>
    </message>
    <message>
        <source>{method} payment of {amount} received. Still due: {due}.</source>
        <translation>Malipo ya {method} ya {amount} yamepokelewa. Bado kulipwa: {due}.</translation>
    </message>
    <message>
        <source>{method} {amount} arrived after you stopped waiting: sale {number} is paid and complete. Give the customer the receipt.</source>
        <translation>{method} {amount} imefika baada ya kuacha kusubiri: mauzo {number} yamelipwa na kukamilika. Mpe mteja risiti.</translation>
    </message>
    <message>
        <source>{method} {amount} is not cash: the manager gives it back (Settle…), do not pay it from the drawer.</source>
        <translation>{method} {amount} si pesa taslimu: meneja ndiye anairudisha (Maliza hesabu…), usiilipe kutoka droo.</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Keys are stored in this computer's keyring, never in files or the database.</source>
        <translation>Funguo zinahifadhiwa kwenye keyring ya kompyuta hii, kamwe si kwenye faili wala hifadhidata.</translation>
    </message>
    <message>
        <source>Nothing typed: nothing to save.</source>
        <translation>Hakuna kilichoandikwa: hakuna cha kuhifadhi.</translation>
    </message>
    <message>
        <source>Payment settings</source>
        <translation>Mipangilio ya malipo</translation>
    </message>
    <message>
        <source>Payment settings (manager)</source>
        <translation>Mipangilio ya malipo (meneja)</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>Hifadhi</translation>
    </message>
    <message>
        <source>Saved 1 setting.</source>
        <translation>Mpangilio 1 umehifadhiwa.</translation>
    </message>
    <message>
        <source>Saved {count} settings.</source>
        <translation>Mipangilio {count} imehifadhiwa.</translation>
    </message>
    <message>
        <source>Test {label}</source>
        <translation>Jaribu {label}</translation>
    </message>
    <message>
        <source>Testing…</source>
        <translation>Inajaribu…</translation>
    </message>
    <message>
        <source>Training mode: payments and tests go to the local training sandboxes, which use their own demo keys. Keys typed here stay in memory for this session only and are not used.</source>
        <translation>Hali ya mafunzo: malipo na majaribio yanaenda kwenye sandbox za mafunzo za hapa, zinazotumia funguo zao za mfano. Funguo zinazoandikwa hapa zinakaa kwenye kumbukumbu kwa kipindi hiki tu na hazitumiki.</translation>
    </message>
    <message>
        <source>not set</source>
        <translation>haijawekwa</translation>
    </message>
    <message>
        <source>not set (demo keys)</source>
        <translation>haijawekwa (funguo za mfano)</translation>
    </message>
    <message>
        <source>saved - type to replace</source>
        <translation>imehifadhiwa - andika ili kubadilisha</translation>
    </message>
    <message>
        <source>{method}: connected to the training sandbox with its demo keys.</source>
        <translation>{method}: imeunganishwa na sandbox ya mafunzo kwa funguo zake za mfano.</translation>
    </message>
</context>
<context>
    <name>SetupWizard</name>
    <message>
        <source>&lt; Back</source>
        <translation>&lt; Rudi</translation>
    </message>
    <message>
        <source>Address: at most 6 lines.</source>
        <translation>Anwani: mistari 6 isiyozidi.</translation>
    </message>
    <message>
        <source>Address: each line at most 80 characters.</source>
        <translation>Anwani: kila mstari usizidi herufi 80.</translation>
    </message>
    <message>
        <source>Branch id: the two digits KRA gave this branch, e.g. 01 (00 only if KRA says so).</source>
        <translation>Nambari ya tawi: tarakimu mbili ambazo KRA ilitoa kwa tawi hili, k.m. 01 (00 tu ikiwa KRA inasema hivyo).</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Ghairi</translation>
    </message>
    <message>
        <source>Communication key: the letters and digits KRA gave at the first initialisation (16 to 255), or leave it empty.</source>
        <translation>Ufunguo wa mawasiliano: herufi na tarakimu ambazo KRA ilitoa kifaa kilipoanzishwa mara ya kwanza (16 hadi 255), au uache tupu.</translation>
    </message>
    <message>
        <source>Device serial: the serial entered in the eTIMS service request, 1 to 100 characters.</source>
        <translation>Nambari ya kifaa: nambari iliyoandikwa kwenye ombi la huduma la eTIMS, herufi 1 hadi 100.</translation>
    </message>
    <message>
        <source>Finish</source>
        <translation>Maliza</translation>
    </message>
    <message>
        <source>KRA PIN: a letter, 9 digits and a letter, e.g. P051234567X (as on the KRA PIN certificate).</source>
        <translation>PIN ya KRA: herufi moja, tarakimu 9 na herufi moja, k.m. P051234567X (kama kwenye cheti cha PIN ya KRA).</translation>
    </message>
    <message>
        <source>KRA PIN: a shop registered for VAT prints its KRA PIN on every receipt.</source>
        <translation>PIN ya KRA: duka lililosajiliwa kwa VAT huchapisha PIN yake ya KRA kwenye kila risiti.</translation>
    </message>
    <message>
        <source>Kaunta set-up</source>
        <translation>Kuweka Kaunta</translation>
    </message>
    <message>
        <source>Manager's name: this shop's database has managers already; type the name and PIN of one of them.</source>
        <translation>Jina la meneja: hifadhidata ya duka hili tayari ina mameneja; andika jina na PIN ya mmoja wao.</translation>
    </message>
    <message>
        <source>Manager's name: type a name of 1 to 40 characters; it is shown at login.</source>
        <translation>Jina la meneja: andika jina la herufi 1 hadi 40; linaonyeshwa wakati wa kuingia.</translation>
    </message>
    <message>
        <source>Next &gt;</source>
        <translation>Endelea &gt;</translation>
    </message>
    <message>
        <source>PIN again: the two PINs are not the same; type the PIN twice.</source>
        <translation>PIN tena: PIN mbili hazifanani; andika PIN mara mbili.</translation>
    </message>
    <message>
        <source>PIN: {low} to {high} digits.</source>
        <translation>PIN: tarakimu {low} hadi {high}.</translation>
    </message>
    <message>
        <source>Payment keys: not available on this till.</source>
        <translation>Funguo za malipo: hazipatikani kwenye till hii.</translation>
    </message>
    <message>
        <source>Phone: digits, spaces and an optional leading +, e.g. 0712 345 678.</source>
        <translation>Simu: tarakimu, nafasi na + mwanzoni ukipenda, k.m. 0712 345 678.</translation>
    </message>
    <message>
        <source>Shop name: one line of at most 80 characters.</source>
        <translation>Jina la duka: mstari mmoja usiozidi herufi 80.</translation>
    </message>
    <message>
        <source>Shop name: type the shop's name; it heads every receipt.</source>
        <translation>Jina la duka: andika jina la duka; linaongoza kila risiti.</translation>
    </message>
    <message>
        <source>Skip</source>
        <translation>Ruka</translation>
    </message>
    <message>
        <source>eTIMS address: an https:// address (or, for the simulator on this computer, the http://127.0.0.1:… address kaunta sandbox etims printed).</source>
        <translation>Anwani ya eTIMS: anwani ya https:// (au, kwa kiigaji kwenye kompyuta hii, anwani ya http://127.0.0.1:… iliyochapishwa na kaunta sandbox etims).</translation>
    </message>
    <message>
        <source>{device}, Port: a serial port (COM3, /dev/ttyUSB0) or a network device's address and port (192.168.1.50:9100), or leave it empty for none.</source>
        <translation>{device}, Mlango (port): mlango wa serial (COM3, /dev/ttyUSB0) au anwani na mlango wa kifaa cha mtandao (192.168.1.50:9100), au uache tupu kama hakuna.</translation>
    </message>
    <message>
        <source>{field}: 1 to 16 letters, digits, '_' or '.', no spaces or '-' (it starts every receipt number).</source>
        <translation>{field}: herufi, tarakimu, '_' au '.' 1 hadi 16, bila nafasi wala '-' (inaanza kila nambari ya risiti).</translation>
    </message>
    <message>
        <source>{field}: at most 4 lines.</source>
        <translation>{field}: mistari 4 isiyozidi.</translation>
    </message>
    <message>
        <source>{field}: each line at most 40 characters (a narrow printer's width).</source>
        <translation>{field}: kila mstari usizidi herufi 40 (upana wa printa nyembamba).</translation>
    </message>
</context>
<context>
    <name>ShopDetails</name>
    <message>
        <source>Shop details</source>
        <translation>Maelezo ya duka</translation>
    </message>
    <message>
        <source>Shop details: not available on this till.</source>
        <translation>Maelezo ya duka: hayapatikani kwenye kaunta hii.</translation>
    </message>
    <message>
        <source>the eTIMS test is not available on this till</source>
        <translation>jaribio la eTIMS halipatikani kwenye kaunta hii</translation>
    </message>
</context>
<context>
    <name>ShopDetailsDialog</name>
    <message>
        <source>Close</source>
        <translation>Funga</translation>
    </message>
    <message>
        <source>Communication key: press Test connection and initialise to check it with KRA; it is kept in this computer's keyring, not saved here.</source>
        <translation>Ufunguo wa mawasiliano: bonyeza Jaribu muunganisho na uanzishe ili KRA iukague; huhifadhiwa kwenye hifadhi ya funguo ya kompyuta hii, si hapa.</translation>
    </message>
    <message>
        <source>Currency</source>
        <translation>Sarafu</translation>
    </message>
    <message>
        <source>Currency: fixed, since this till has recorded sales, shifts or products in {currency}; a till keeps one currency for its books.</source>
        <translation>Sarafu: haibadiliki, kwa kuwa kaunta hii imerekodi mauzo, zamu au bidhaa kwa {currency}; kaunta huweka sarafu moja kwa vitabu vyake.</translation>
    </message>
    <message>
        <source>Currency: head office's (the store's books).</source>
        <translation>Sarafu: ni ya ofisi kuu (vitabu vya duka).</translation>
    </message>
    <message>
        <source>Fixed at set-up: it begins every receipt number.</source>
        <translation>Imewekwa wakati wa kuanzisha: inaanza kila nambari ya risiti.</translation>
    </message>
    <message>
        <source>KRA eTIMS</source>
        <translation>KRA eTIMS</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Lugha</translation>
    </message>
    <message>
        <source>Nothing changed.</source>
        <translation>Hakuna kilichobadilika.</translation>
    </message>
    <message>
        <source>Payment keys: not available on this till.</source>
        <translation>Funguo za malipo: hazipatikani kwenye till hii.</translation>
    </message>
    <message>
        <source>Payments</source>
        <translation>Malipo</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>Hifadhi</translation>
    </message>
    <message>
        <source>Saved. {fields}: used when Kaunta starts again; close Kaunta and start it again to use them.</source>
        <translation>Imehifadhiwa. {fields}: hutumika Kaunta inapoanza tena; funga Kaunta na uianzishe tena ili kuvitumia.</translation>
    </message>
    <message>
        <source>Saved: the next receipt shows the new details.</source>
        <translation>Imehifadhiwa: risiti inayofuata inaonyesha maelezo mapya.</translation>
    </message>
    <message>
        <source>Set by head office at enrollment.</source>
        <translation>Imewekwa na ofisi kuu wakati wa kusajili.</translation>
    </message>
    <message>
        <source>Shop details</source>
        <translation>Maelezo ya duka</translation>
    </message>
    <message>
        <source>The branch's eTIMS device as KRA registered it on the eTIMS portal. Test connection initialises it with KRA; the communication key KRA sends is kept in this computer's keyring, never in a file. Leave it empty on a till that does not submit its sales to KRA (docs/etims.md).</source>
        <translation>Kifaa cha eTIMS cha tawi kama KRA ilivyokisajili kwenye tovuti ya eTIMS. Jaribu muunganisho hukianzisha na KRA; ufunguo wa mawasiliano ambao KRA hutuma huhifadhiwa kwenye hifadhi ya funguo ya kompyuta hii, kamwe si kwenye faili. Acha tupu kwenye kaunta isiyotuma mauzo yake kwa KRA (docs/etims.md).</translation>
    </message>
    <message>
        <source>This till is enrolled with a head office, which owns its store code and till number, its currency and KRA eTIMS: they are shown here and changed at head office.</source>
        <translation>Kaunta hii imesajiliwa na ofisi kuu, inayomiliki msimbo wa duka na nambari ya kaunta, sarafu yake na KRA eTIMS: vinaonyeshwa hapa na kubadilishwa katika ofisi kuu.</translation>
    </message>
    <message>
        <source>Time zone</source>
        <translation>Saa za eneo</translation>
    </message>
    <message>
        <source>Used from the next receipt; the currency, time zone, KRA eTIMS and payment methods when Kaunta starts again.</source>
        <translation>Hutumika kuanzia risiti inayofuata; sarafu, saa za eneo, KRA eTIMS na njia za malipo Kaunta inapoanza tena.</translation>
    </message>
    <message>
        <source>What the set-up wizard asked about the shop. The store code and till number are fixed at set-up: they begin every receipt number.</source>
        <translation>Yale ambayo mchawi wa kuanzisha aliuliza kuhusu duka. Msimbo wa duka na nambari ya kaunta huwekwa wakati wa kuanzisha: vinaanza kila nambari ya risiti.</translation>
    </message>
</context>
<context>
    <name>ShopPage</name>
    <message>
        <source>Address</source>
        <translation>Anwani</translation>
    </message>
    <message>
        <source>KRA PIN</source>
        <translation>PIN ya KRA</translation>
    </message>
    <message>
        <source>One line per line of the address</source>
        <translation>Mstari mmoja kwa kila mstari wa anwani</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>Simu</translation>
    </message>
    <message>
        <source>Registered for VAT</source>
        <translation>Imesajiliwa kwa VAT</translation>
    </message>
    <message>
        <source>Shop name</source>
        <translation>Jina la duka</translation>
    </message>
    <message>
        <source>Store code</source>
        <translation>Nambari ya duka</translation>
    </message>
    <message>
        <source>Till number</source>
        <translation>Nambari ya till</translation>
    </message>
    <message>
        <source>VAT</source>
        <translation>VAT</translation>
    </message>
    <message>
        <source>What every receipt shows at the top.</source>
        <translation>Kinachoonyeshwa juu ya kila risiti.</translation>
    </message>
    <message>
        <source>Your shop</source>
        <translation>Duka lako</translation>
    </message>
    <message>
        <source>e.g. P051234567X</source>
        <translation>k.m. P051234567X</translation>
    </message>
</context>
<context>
    <name>StaffDialog</name>
    <message>
        <source>(locked)</source>
        <translation>(imefungwa)</translation>
    </message>
    <message>
        <source>Active</source>
        <translation>Anatumika</translation>
    </message>
    <message>
        <source>Add user</source>
        <translation>Ongeza mtumiaji</translation>
    </message>
    <message>
        <source>Cashier</source>
        <translation>Keshia</translation>
    </message>
    <message>
        <source>Change role</source>
        <translation>Badilisha wadhifa</translation>
    </message>
    <message>
        <source>Choose a user first.</source>
        <translation>Chagua mtumiaji kwanza.</translation>
    </message>
    <message>
        <source>Deactivate</source>
        <translation>Zima</translation>
    </message>
    <message>
        <source>Deactivated</source>
        <translation>Amezimwa</translation>
    </message>
    <message>
        <source>Manager</source>
        <translation>Meneja</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Jina</translation>
    </message>
    <message>
        <source>Name of a new user</source>
        <translation>Jina la mtumiaji mpya</translation>
    </message>
    <message>
        <source>New PIN</source>
        <translation>PIN mpya</translation>
    </message>
    <message>
        <source>Reactivate</source>
        <translation>Washa tena</translation>
    </message>
    <message>
        <source>Role</source>
        <translation>Wadhifa</translation>
    </message>
    <message>
        <source>Staff</source>
        <translation>Wafanyakazi</translation>
    </message>
    <message>
        <source>State</source>
        <translation>Hali</translation>
    </message>
    <message>
        <source>Supervisor</source>
        <translation>Msimamizi</translation>
    </message>
    <message>
        <source>This till is enrolled: head office owns the staff. They are shown here read-only; change them at head office.</source>
        <translation>Mashine hii imesajiliwa: wafanyakazi ni wa ofisi kuu. Wanaonyeshwa hapa kwa kusoma tu; wabadilishe ofisi kuu.</translation>
    </message>
    <message>
        <source>Type the new user's name first.</source>
        <translation>Andika jina la mtumiaji mpya kwanza.</translation>
    </message>
    <message>
        <source>{name} added.</source>
        <translation>{name} ameongezwa.</translation>
    </message>
    <message>
        <source>{name} can log in again.</source>
        <translation>{name} anaweza kuingia tena.</translation>
    </message>
    <message>
        <source>{name} has a new PIN.</source>
        <translation>{name} ana PIN mpya.</translation>
    </message>
    <message>
        <source>{name} is deactivated.</source>
        <translation>{name} amezimwa.</translation>
    </message>
    <message>
        <source>{name} is now {role}.</source>
        <translation>{name} sasa ni {role}.</translation>
    </message>
</context>
<context>
    <name>StartupDialog</name>
    <message>
        <source>Backup restored</source>
        <translation>Nakala ya akiba imerejeshwa</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Funga</translation>
    </message>
    <message>
        <source>Kaunta cannot start</source>
        <translation>Kaunta haiwezi kuanza</translation>
    </message>
    <message>
        <source>Kaunta: no live set-up yet</source>
        <translation>Kaunta: bado hakuna mipangilio halisi</translation>
    </message>
    <message>
        <source>Restore {backup}</source>
        <translation>Rejesha {backup}</translation>
    </message>
    <message>
        <source>Restored the backup {backup}. Sales made after it are not in it.</source>
        <translation>Nakala ya akiba {backup} imerejeshwa. Mauzo yaliyofanywa baada yake hayamo.</translation>
    </message>
    <message>
        <source>Restored the backup {backup}. The damaged or empty file is kept as {aside}. Sales made after it are not in it.</source>
        <translation>Nakala ya akiba {backup} imerejeshwa. Faili iliyoharibika au tupu imehifadhiwa kama {aside}. Mauzo yaliyofanywa baada yake hayamo.</translation>
    </message>
    <message>
        <source>This computer has no live set-up yet, so the live till cannot start. Start Kaunta without --live and choose 'Set up my shop': the set-up wizard asks for the shop's details and the first manager and writes {path}. To practise meanwhile, start Kaunta with --training.</source>
        <translation>Kompyuta hii bado haina mipangilio halisi, kwa hivyo till halisi haiwezi kuanza. Washa Kaunta bila --live na uchague 'Weka duka langu': mwongozo wa kuweka unauliza maelezo ya duka na meneja wa kwanza, kisha unaandika {path}. Kwa kufanya mazoezi kwa sasa, washa Kaunta na --training.</translation>
    </message>
    <message>
        <source>Unexpected error while opening the data folder ({kind}). Nothing was changed. Details are in the log file {log_file}.</source>
        <translation>Hitilafu isiyotarajiwa wakati wa kufungua folda ya data ({kind}). Hakuna kilichobadilishwa. Maelezo yako kwenye faili la kumbukumbu {log_file}.</translation>
    </message>
</context>
<context>
    <name>SyncStatusLine</name>
    <message>
        <source>Head office not available: sales are kept on this till</source>
        <translation>Ofisi kuu haipatikani: mauzo yanahifadhiwa kwenye kaunta hii</translation>
    </message>
    <message>
        <source>Head office refuses this till: a manager must enroll it</source>
        <translation>Ofisi kuu inaikataa kaunta hii: meneja lazima aisajili</translation>
    </message>
    <message>
        <source>Head office: starting…</source>
        <translation>Ofisi kuu: inaanza…</translation>
    </message>
    <message>
        <source>Not connected to a head office</source>
        <translation>Haijaunganishwa na ofisi kuu</translation>
    </message>
    <message>
        <source>Not synced for too long: tell the manager</source>
        <translation>Haijasawazishwa kwa muda mrefu: mwambie meneja</translation>
    </message>
    <message>
        <source>Not synced for {age}: tell the manager</source>
        <translation>Haijasawazishwa kwa {age}: mwambie meneja</translation>
    </message>
    <message>
        <source>Offline</source>
        <translation>Nje ya mtandao</translation>
    </message>
    <message>
        <source>Offline for {age}</source>
        <translation>Nje ya mtandao kwa {age}</translation>
    </message>
    <message>
        <source>Online</source>
        <translation>Mtandaoni</translation>
    </message>
    <message>
        <source>Training without a head office (installed app): sales stay on this till</source>
        <translation>Mafunzo bila ofisi kuu (programu iliyosakinishwa): mauzo yanabaki kwenye kaunta hii</translation>
    </message>
    <message>
        <source>last sync {time}</source>
        <translation>ilisawazishwa mwisho {time}</translation>
    </message>
    <message>
        <source>never synced</source>
        <translation>haijawahi kusawazishwa</translation>
    </message>
    <message>
        <source>{d} days</source>
        <translation>siku {d}</translation>
    </message>
    <message>
        <source>{h} h {m} min</source>
        <translation>saa {h} dakika {m}</translation>
    </message>
    <message>
        <source>{n} min</source>
        <translation>dakika {n}</translation>
    </message>
    <message>
        <source>{n} refused (manager's tools)</source>
        <translation>{n} yamekataliwa (zana za meneja)</translation>
    </message>
    <message>
        <source>{n} waiting</source>
        <translation>{n} yanasubiri</translation>
    </message>
</context>
<context>
    <name>TenderDialog</name>
    <message>
        <source>Add a {currency} {note} note</source>
        <translation>Ongeza noti ya {currency} {note}</translation>
    </message>
    <message>
        <source>Amount received (nothing typed: exact)</source>
        <translation>Kiasi kilichopokelewa (bila kuandika: kamili)</translation>
    </message>
    <message>
        <source>Cash due: {due}</source>
        <translation>Pesa taslimu ya kulipa: {due}</translation>
    </message>
    <message>
        <source>Cash payment</source>
        <translation>Malipo ya pesa taslimu</translation>
    </message>
    <message>
        <source>Change: {amount}</source>
        <translation>Chenji: {amount}</translation>
    </message>
    <message>
        <source>Complete</source>
        <translation>Maliza</translation>
    </message>
    <message>
        <source>Exact
{amount_text}</source>
        <translation>Kamili
{amount_text}</translation>
    </message>
    <message>
        <source>Or:</source>
        <translation>Au:</translation>
    </message>
    <message>
        <source>Part payment</source>
        <translation>Lipa sehemu</translation>
    </message>
    <message>
        <source>Pay exact {amount}</source>
        <translation>Lipa kamili {amount}</translation>
    </message>
    <message>
        <source>Still due: {amount}</source>
        <translation>Bado kulipwa: {amount}</translation>
    </message>
    <message>
        <source>That looks like a barcode, not cash. Cancel the payment (Esc) to scan more items.</source>
        <translation>Hiyo inaonekana kama barcode, si pesa taslimu. Ghairi malipo (Esc) ili uskani bidhaa zaidi.</translation>
    </message>
    <message>
        <source>Total {exact_due}, cash rounding {amount_text}</source>
        <translation>Jumla {exact_due}, ukadiriaji wa pesa taslimu {amount_text}</translation>
    </message>
    <message>
        <source>Type the part the customer pays in cash now.</source>
        <translation>Andika sehemu ambayo mteja analipa kwa pesa taslimu sasa.</translation>
    </message>
</context>
<context>
    <name>TillTray</name>
    <message>
        <source>Kaunta · {store} · till {till} · {mode}</source>
        <translation>Kaunta · {store} · till {till} · {mode}</translation>
    </message>
    <message>
        <source>LIVE</source>
        <translation>HALISI</translation>
    </message>
    <message>
        <source>Show the till</source>
        <translation>Onyesha kaunta</translation>
    </message>
    <message>
        <source>TRAINING</source>
        <translation>MAFUNZO</translation>
    </message>
</context>
<context>
    <name>VatRatesDialog</name>
    <message>
        <source>Class</source>
        <translation>Daraja</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Funga</translation>
    </message>
    <message>
        <source>Exempt</source>
        <translation>Msamaha wa VAT</translation>
    </message>
    <message>
        <source>From</source>
        <translation>Kuanzia</translation>
    </message>
    <message>
        <source>Head office, version {version}, received {at}</source>
        <translation>Ofisi kuu, toleo {version}, imepokelewa {at}</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Jina</translation>
    </message>
    <message>
        <source>New sales use these rates. Rates are changed at head office; a sale already open keeps the rates it was started with.</source>
        <translation>Mauzo mapya yanatumia viwango hivi. Viwango hubadilishwa na ofisi kuu; mauzo yaliyo wazi tayari yanabaki na viwango yaliyoanza nayo.</translation>
    </message>
    <message>
        <source>Rate</source>
        <translation>Kiwango</translation>
    </message>
    <message>
        <source>This till's configuration</source>
        <translation>Mipangilio ya mashine hii</translation>
    </message>
    <message>
        <source>VAT rates</source>
        <translation>Viwango vya VAT</translation>
    </message>
    <message>
        <source>VAT rates in force</source>
        <translation>Viwango vya VAT vinavyotumika</translation>
    </message>
    <message>
        <source>{rate} %</source>
        <translation>{rate} %</translation>
    </message>
    <message>
        <source>{source} (retired)</source>
        <translation>{source} (haitumiki tena)</translation>
    </message>
</context>
<context>
    <name>WelcomePage</name>
    <message>
        <source>Language</source>
        <translation>Lugha</translation>
    </message>
    <message>
        <source>Set up my shop</source>
        <translation>Weka duka langu</translation>
    </message>
    <message>
        <source>This sets up the till for your shop: its details, the first manager, products, payments and head office. Every step but the manager can be skipped and done later.</source>
        <translation>Hii inaweka till kwa ajili ya duka lako: taarifa zake, meneja wa kwanza, bidhaa, malipo na ofisi kuu. Kila hatua isipokuwa meneja inaweza kurukwa na kufanywa baadaye.</translation>
    </message>
    <message>
        <source>Training mode is practice: a demo shop, demo staff and products, simulated M-Pesa and card payments. Nothing in it is real, synced or sent to KRA, and it is kept apart from your shop's data.</source>
        <translation>Hali ya mafunzo ni mazoezi: duka la mfano, wafanyakazi na bidhaa za mfano, malipo ya M-Pesa na kadi ya kuigiza. Hakuna kitu halisi ndani yake, hakisawazishwi wala kutumwa KRA, na kinawekwa mbali na data ya duka lako.</translation>
    </message>
    <message>
        <source>Try training mode</source>
        <translation>Jaribu hali ya mafunzo</translation>
    </message>
    <message>
        <source>Welcome to Kaunta</source>
        <translation>Karibu Kaunta</translation>
    </message>
</context>
<context>
    <name>ZListDialog</name>
    <message>
        <source>Reprint</source>
        <translation>Chapisha tena</translation>
    </message>
    <message>
        <source>There is no Z report yet.</source>
        <translation>Bado hakuna ripoti ya Z.</translation>
    </message>
    <message>
        <source>Z reports</source>
        <translation>Ripoti za Z</translation>
    </message>
    <message>
        <source>Z {number} · {day}</source>
        <translation>Z {number} · {day}</translation>
    </message>
</context>
<context>
    <name>actions</name>
    <message>
        <source>Unexpected error ({kind}). Nothing was lost: the sale is saved. Try again; if it repeats, call support (details are in the log file).</source>
        <translation>Hitilafu isiyotarajiwa ({kind}). Hakuna kilichopotea: mauzo yamehifadhiwa. Jaribu tena; ikijirudia, piga simu kwa msaada (maelezo yako kwenye faili la kumbukumbu).</translation>
    </message>
</context>
<context>
    <name>counts</name>
    <message>
        <source>1 item</source>
        <translation>bidhaa 1</translation>
    </message>
    <message>
        <source>{count} items</source>
        <translation>bidhaa {count}</translation>
    </message>
</context>
<context>
    <name>messages</name>
    <message>
        <source>(price changed)</source>
        <comment>receipt.price_changed</comment>
        <translation>(bei imebadilishwa)</translation>
    </message>
    <message>
        <source>*** COPY - REPRINT ***</source>
        <comment>receipt.copy</comment>
        <translation>*** NAKALA - IMECHAPISHWA TENA ***</translation>
    </message>
    <message>
        <source>*** TRAINING - NOT A VALID RECEIPT ***</source>
        <comment>receipt.training</comment>
        <translation>*** MAFUNZO - SI RISITI HALALI ***</translation>
    </message>
    <message>
        <source>*** VOIDED ***</source>
        <comment>receipt.voided</comment>
        <translation>*** IMEFUTWA ***</translation>
    </message>
    <message>
        <source>07XX XXX XXX or 01XX XXX XXX</source>
        <translation>07XX XXX XXX au 01XX XXX XXX</translation>
    </message>
    <message>
        <source>A KRA item class is 1 to 10 digits, a code from KRA's item classification list (leave it empty for the branch default).</source>
        <comment>product_kra_class_bad</comment>
        <translation>Ainisho la bidhaa la KRA ni tarakimu 1 hadi 10, msimbo kutoka orodha ya KRA ya ainisho za bidhaa (acha tupu kwa ainisho la kawaida la tawi).</translation>
    </message>
    <message>
        <source>A PIN is {low} to {high} digits.</source>
        <comment>auth.pin_length</comment>
        <translation>PIN ina tarakimu {low} hadi {high}.</translation>
    </message>
    <message>
        <source>A PayPal refund must be in the currency of the payment.</source>
        <translation>Pesa zinazorudishwa kupitia PayPal lazima ziwe kwa sarafu ya malipo.</translation>
    </message>
    <message>
        <source>A PayPal refund must be more than zero and at most {amount}.</source>
        <comment>paypal.refund_limits</comment>
        <translation>Pesa za kurudisha kwa PayPal lazima ziwe zaidi ya sifuri na zisizidi {amount}.</translation>
    </message>
    <message>
        <source>A completed sale cannot be voided; refund it.</source>
        <comment>sale.not_voidable.completed</comment>
        <translation>Mauzo yaliyokamilika hayawezi kufutwa; rudisha pesa badala yake.</translation>
    </message>
    <message>
        <source>A completed sale must be paid: {paid} paid of {payable}.</source>
        <comment>snapshot.unpaid</comment>
        <translation>Mauzo yaliyokamilika lazima yawe yamelipwa: {paid} zimelipwa kati ya {payable}.</translation>
    </message>
    <message>
        <source>A discount amount must be more than zero.</source>
        <translation>Kiasi cha punguzo lazima kiwe zaidi ya sifuri.</translation>
    </message>
    <message>
        <source>A discount of {amount} is larger than the line ({base}).</source>
        <comment>sale.discount_too_large.line</comment>
        <translation>Punguzo la {amount} ni kubwa kuliko mstari ({base}).</translation>
    </message>
    <message>
        <source>A discount of {amount} is larger than the line {name} ({base}).</source>
        <comment>sale.discount_too_large.named</comment>
        <translation>Punguzo la {amount} ni kubwa kuliko mstari wa {name} ({base}).</translation>
    </message>
    <message>
        <source>A discount of {amount} is larger than the order ({base}).</source>
        <comment>sale.discount_too_large.order</comment>
        <translation>Punguzo la {amount} ni kubwa kuliko mauzo yote ({base}).</translation>
    </message>
    <message>
        <source>A discount of {percent}% (over the {limit}% limit)</source>
        <comment>checkout.approve_discount</comment>
        <translation>Punguzo la {percent}% (zaidi ya kikomo cha {limit}%)</translation>
    </message>
    <message>
        <source>A discount over the limit</source>
        <translation>Punguzo zaidi ya kikomo</translation>
    </message>
    <message>
        <source>A line of this refund ({item}) is not on receipt {receipt}.</source>
        <comment>hq_refund_line_unknown</comment>
        <translation>Bidhaa moja ya marejesho haya ({item}) haiko kwenye risiti {receipt}.</translation>
    </message>
    <message>
        <source>A parked sale is not sent to head office.</source>
        <comment>sync_events.not_sent.parked</comment>
        <translation>Mauzo yaliyowekwa kando hayatumwi makao makuu.</translation>
    </message>
    <message>
        <source>A payment must be more than zero.</source>
        <translation>Malipo lazima yawe zaidi ya sifuri.</translation>
    </message>
    <message>
        <source>A percent discount has at most two decimals.</source>
        <translation>Punguzo la asilimia lina desimali mbili tu zaidi.</translation>
    </message>
    <message>
        <source>A percent discount must be more than 0 and at most 100.</source>
        <translation>Punguzo la asilimia lazima liwe zaidi ya 0 na lisizidi 100.</translation>
    </message>
    <message>
        <source>A price cannot be negative.</source>
        <translation>Bei haiwezi kuwa chini ya sifuri.</translation>
    </message>
    <message>
        <source>A product needs a name of up to 200 characters.</source>
        <translation>Bidhaa inahitaji jina la hadi herufi 200.</translation>
    </message>
    <message>
        <source>A product with SKU {sku} exists already.</source>
        <comment>product_sku_taken</comment>
        <translation>Bidhaa yenye SKU {sku} tayari ipo.</translation>
    </message>
    <message>
        <source>A product's SKU cannot change; add a new product instead.</source>
        <translation>SKU ya bidhaa haiwezi kubadilika; ongeza bidhaa mpya badala yake.</translation>
    </message>
    <message>
        <source>A refund</source>
        <translation>Kurejesha pesa</translation>
    </message>
    <message>
        <source>A refund of this sale is already in progress.</source>
        <translation>Urejeshaji wa pesa wa mauzo haya tayari unaendelea.</translation>
    </message>
    <message>
        <source>A return without a receipt</source>
        <translation>Kurudisha bidhaa bila risiti</translation>
    </message>
    <message>
        <source>A return without a receipt needs a reason: say what happened.</source>
        <translation>Kurudisha bidhaa bila risiti kunahitaji sababu: eleza kilichotokea.</translation>
    </message>
    <message>
        <source>A sale is open on this till: finish, park or void it before closing the shift.</source>
        <comment>shift_basket_open</comment>
        <translation>Kuna mauzo yaliyo wazi kwenye till hii: yamalize, yaweke kando au uyafute kabla ya kufunga zamu.</translation>
    </message>
    <message>
        <source>A saved discount amount has no currency.</source>
        <translation>Punguzo lililohifadhiwa halina sarafu.</translation>
    </message>
    <message>
        <source>A saved discount amount is not a whole number of cents.</source>
        <translation>Kiasi cha punguzo lililohifadhiwa si idadi kamili ya senti.</translation>
    </message>
    <message>
        <source>A saved discount has an unknown kind {kind}.</source>
        <comment>sale.saved_discount_kind</comment>
        <translation>Punguzo lililohifadhiwa lina aina isiyojulikana {kind}.</translation>
    </message>
    <message>
        <source>A saved discount is damaged (not an object).</source>
        <translation>Punguzo lililohifadhiwa limeharibika.</translation>
    </message>
    <message>
        <source>A saved percent discount has no percentage.</source>
        <translation>Punguzo la asilimia lililohifadhiwa halina asilimia.</translation>
    </message>
    <message>
        <source>A user named {name} exists already; choose another name.</source>
        <comment>auth.name_taken</comment>
        <translation>Mtumiaji anayeitwa {name} yupo tayari; chagua jina lingine.</translation>
    </message>
    <message>
        <source>A user needs a name.</source>
        <translation>Mtumiaji anahitaji jina.</translation>
    </message>
    <message>
        <source>A voided sale cannot be voided; refund it.</source>
        <comment>sale.not_voidable.voided</comment>
        <translation>Mauzo yaliyofutwa hayawezi kufutwa tena; rudisha pesa badala yake.</translation>
    </message>
    <message>
        <source>A {label} refund of receipt {number} is waiting for the terminal's answer: check it again before refunding this sale again.</source>
        <comment>refund_already_waiting</comment>
        <translation>Marejesho ya {label} ya risiti {number} yanasubiri jibu la mashine ya kadi: yaangalie tena kabla ya kurejesha mauzo haya tena.</translation>
    </message>
    <message>
        <source>Add items before giving an order discount.</source>
        <translation>Ongeza bidhaa kwanza kabla ya kutoa punguzo la oda nzima.</translation>
    </message>
    <message>
        <source>Amounts are entered in {currency}.</source>
        <comment>payments.entered_in</comment>
        <translation>Kiasi kinaingizwa kwa {currency}.</translation>
    </message>
    <message>
        <source>An SKU is letters, digits and . _ / - (up to 64).</source>
        <translation>SKU ni herufi, tarakimu na . _ / - (hadi 64).</translation>
    </message>
    <message>
        <source>An approval code is 2 to 8 letters or digits, as the slip prints it.</source>
        <translation>Nambari ya idhini ni herufi au tarakimu 2 hadi 8, kama ilivyochapishwa kwenye karatasi.</translation>
    </message>
    <message>
        <source>An earlier payment for this sale just came through: the sale is complete.</source>
        <comment>payments.earlier_came_done</comment>
        <translation>Malipo ya awali ya mauzo haya yamefika sasa hivi: mauzo yamekamilika.</translation>
    </message>
    <message>
        <source>An earlier payment for this sale just came through: {due} is still due.</source>
        <comment>payments.earlier_came_due</comment>
        <translation>Malipo ya awali ya mauzo haya yamefika sasa hivi: bado {due} kulipwa.</translation>
    </message>
    <message>
        <source>An empty basket cannot be parked.</source>
        <translation>Kikapu kitupu hakiwezi kuwekwa kando.</translation>
    </message>
    <message>
        <source>An exchange rate must be more than zero.</source>
        <translation>Kiwango cha kubadilisha fedha lazima kiwe zaidi ya sifuri.</translation>
    </message>
    <message>
        <source>An open sale is not sent to head office.</source>
        <comment>sync_events.not_sent.open</comment>
        <translation>Mauzo yaliyo wazi hayatumwi makao makuu.</translation>
    </message>
    <message>
        <source>Approval code (on the terminal's slip)</source>
        <translation>Nambari ya idhini (kwenye karatasi ya mashine ya kadi)</translation>
    </message>
    <message>
        <source>Approved by</source>
        <comment>refund.receipt.approved_by</comment>
        <translation>Ameidhinisha</translation>
    </message>
    <message>
        <source>Approved late, not charged: the customer approved in PayPal after the till stopped waiting. Nothing was taken.</source>
        <translation>Imeidhinishwa kwa kuchelewa, haikutozwa: mteja aliidhinisha kwenye PayPal baada ya till kuacha kusubiri. Hakuna kilichochukuliwa.</translation>
    </message>
    <message>
        <source>Approved.</source>
        <translation>Imeidhinishwa.</translation>
    </message>
    <message>
        <source>Approved. Hand over the goods.</source>
        <translation>Imeidhinishwa. Mpe mteja bidhaa.</translation>
    </message>
    <message>
        <source>Ask for the signed invoice later (reprint)</source>
        <translation>Omba ankara iliyosainiwa baadaye (chapisha tena)</translation>
    </message>
    <message>
        <source>Ask the customer to pay another way.</source>
        <translation>Mwombe mteja alipe kwa njia nyingine.</translation>
    </message>
    <message>
        <source>Asking the terminal for the result…</source>
        <translation>Inaiuliza mashine matokeo…</translation>
    </message>
    <message>
        <source>Average basket</source>
        <translation>Wastani wa kikapu</translation>
    </message>
    <message>
        <source>Barcode is empty: scan the item or type its barcode.</source>
        <comment>barcode.empty</comment>
        <translation>Barcode haina tarakimu: skani bidhaa au andika barcode yake.</translation>
    </message>
    <message>
        <source>Barcode {barcode} belongs to another product already.</source>
        <comment>product_barcode_taken</comment>
        <translation>Msimbopau {barcode} tayari ni wa bidhaa nyingine.</translation>
    </message>
    <message>
        <source>Barcode {code} contains characters other than digits</source>
        <comment>catalog.import.barcode_not_digits</comment>
        <translation>Msimbopau {code} una herufi zisizo tarakimu</translation>
    </message>
    <message>
        <source>Barcode {code} contains characters other than digits: rescan or type it again.</source>
        <comment>barcode.not_digits</comment>
        <translation>Barcode {code} ina herufi zisizo tarakimu: skani tena au iandike upya.</translation>
    </message>
    <message>
        <source>Barcode {code} has a wrong check digit (expected {expected})</source>
        <comment>catalog.import.barcode_wrong_check_digit</comment>
        <translation>Msimbopau {code} una tarakimu ya uhakiki isiyo sahihi (ilitarajiwa {expected})</translation>
    </message>
    <message>
        <source>Barcode {code} has a wrong check digit (expected {expected}): rescan or type it again.</source>
        <comment>barcode.wrong_check_digit</comment>
        <translation>Barcode {code} ina tarakimu ya kuhakiki isiyo sahihi (ilitarajiwa {expected}): skani tena au iandike upya.</translation>
    </message>
    <message>
        <source>Barcode {code} has {digits} digits; a barcode has 8, 12, 13 or 14</source>
        <comment>catalog.import.barcode_wrong_length</comment>
        <translation>Msimbopau {code} una tarakimu {digits}; msimbopau una 8, 12, 13 au 14</translation>
    </message>
    <message>
        <source>Barcode {code} has {digits} digits; a barcode has 8, 12, 13 or 14: rescan or type it again.</source>
        <comment>barcode.wrong_length</comment>
        <translation>Barcode {code} ina tarakimu {digits}; barcode ina tarakimu 8, 12, 13 au 14: skani tena au iandike upya.</translation>
    </message>
    <message>
        <source>Business day</source>
        <translation>Siku ya biashara</translation>
    </message>
    <message>
        <source>Business shortcode (paybill / head office)</source>
        <translation>Shortcode ya biashara (paybill / makao makuu)</translation>
    </message>
    <message>
        <source>Buyer</source>
        <comment>receipt.buyer_name</comment>
        <translation>Mnunuzi</translation>
    </message>
    <message>
        <source>Buyer's PIN</source>
        <comment>receipt.buyer_pin</comment>
        <translation>PIN ya mnunuzi</translation>
    </message>
    <message>
        <source>By cashier</source>
        <translation>Kwa keshia</translation>
    </message>
    <message>
        <source>CA bundle file: {path} does not exist; choose the file your IT department gave.</source>
        <comment>enroll_no_ca_bundle</comment>
        <translation>Faili ya vyeti vya CA: {path} haipo; chagua faili uliyopewa na idara yako ya TEHAMA.</translation>
    </message>
    <message>
        <source>Call the manager to check the shop's M-Pesa settings; take the payment another way.</source>
        <translation>Mwite meneja aangalie mipangilio ya M-Pesa ya duka; pokea malipo kwa njia nyingine.</translation>
    </message>
    <message>
        <source>Cancelled before the terminal was asked: nothing was charged.</source>
        <translation>Imesitishwa kabla mashine haijaulizwa: hakuna pesa iliyokatwa.</translation>
    </message>
    <message>
        <source>Cannot combine {first} and {second} amounts.</source>
        <comment>money.mixed</comment>
        <translation>Haiwezekani kuchanganya kiasi cha {first} na cha {second}.</translation>
    </message>
    <message>
        <source>Cannot lock {folder} ({detail}): nothing restored.</source>
        <comment>restore.cannot_lock</comment>
        <translation>Haiwezekani kufunga {folder} ({detail}): hakuna kilichorejeshwa.</translation>
    </message>
    <message>
        <source>Card</source>
        <translation>Kadi</translation>
    </message>
    <message>
        <source>Card (PDQ)</source>
        <translation>Kadi (PDQ)</translation>
    </message>
    <message>
        <source>Card PIN (demo: any 4 to 6 digits)</source>
        <translation>PIN ya kadi (majaribio: tarakimu zozote 4 hadi 6)</translation>
    </message>
    <message>
        <source>Card data incorrect.</source>
        <translation>Taarifa za kadi si sahihi.</translation>
    </message>
    <message>
        <source>Card not admitted.</source>
        <translation>Kadi hairuhusiwi.</translation>
    </message>
    <message>
        <source>Card payment approved.</source>
        <translation>Malipo ya kadi yameidhinishwa.</translation>
    </message>
    <message>
        <source>Card payment recorded.</source>
        <translation>Malipo ya kadi yamerekodiwa.</translation>
    </message>
    <message>
        <source>Card unknown.</source>
        <translation>Kadi haitambuliki.</translation>
    </message>
    <message>
        <source>Card {card}</source>
        <comment>receipt.card</comment>
        <translation>Kadi {card}</translation>
    </message>
    <message>
        <source>Cash</source>
        <translation>Taslimu</translation>
    </message>
    <message>
        <source>Cash drawer</source>
        <translation>Droo ya pesa</translation>
    </message>
    <message>
        <source>Cash in</source>
        <translation>Weka pesa droo</translation>
    </message>
    <message>
        <source>Cash in of {amount} (float top-up)</source>
        <comment>shift_approve_float_top_up</comment>
        <translation>Kuweka {amount} kwenye droo (kuongeza chenji)</translation>
    </message>
    <message>
        <source>Cash in of {amount} (paid in)</source>
        <comment>shift_approve_paid_in</comment>
        <translation>Kuweka {amount} kwenye droo (pesa iliyoingizwa)</translation>
    </message>
    <message>
        <source>Cash movements</source>
        <translation>Mienendo ya pesa</translation>
    </message>
    <message>
        <source>Cash must be in {currency}.</source>
        <comment>sale.cash_currency</comment>
        <translation>Pesa taslimu lazima ziwe kwa {currency}.</translation>
    </message>
    <message>
        <source>Cash out</source>
        <translation>Toa pesa droo</translation>
    </message>
    <message>
        <source>Cash out of {amount} (drop)</source>
        <comment>shift_approve_drop</comment>
        <translation>Kutoa {amount} kutoka droo (kupeleka kwenye sefu)</translation>
    </message>
    <message>
        <source>Cash out of {amount} (paid out)</source>
        <comment>shift_approve_paid_out</comment>
        <translation>Kutoa {amount} kutoka droo (malipo yaliyotolewa)</translation>
    </message>
    <message>
        <source>Cash received.</source>
        <translation>Pesa taslimu imepokelewa.</translation>
    </message>
    <message>
        <source>Cash refunds</source>
        <translation>Marejesho ya pesa taslimu</translation>
    </message>
    <message>
        <source>Cash rounding</source>
        <comment>receipt.cash_rounding</comment>
        <translation>Ukadiriaji wa pesa taslimu</translation>
    </message>
    <message>
        <source>Cash sales</source>
        <translation>Mauzo ya pesa taslimu</translation>
    </message>
    <message>
        <source>Cashier</source>
        <comment>receipt.cashier</comment>
        <translation>Keshia</translation>
    </message>
    <message>
        <source>Change</source>
        <comment>receipt.change</comment>
        <translation>Chenji</translation>
    </message>
    <message>
        <source>Changing a price</source>
        <translation>Kubadilisha bei</translation>
    </message>
    <message>
        <source>Changing payment settings</source>
        <translation>Kubadilisha mipangilio ya malipo</translation>
    </message>
    <message>
        <source>Changing products</source>
        <translation>Kubadilisha bidhaa</translation>
    </message>
    <message>
        <source>Changing the price of {name} ({old} → {new})</source>
        <comment>checkout.approve_price</comment>
        <translation>Kubadilisha bei ya {name} ({old} → {new})</translation>
    </message>
    <message>
        <source>Choose a VAT class ({classes}).</source>
        <comment>product_choose_vat</comment>
        <translation>Chagua kundi la VAT ({classes}).</translation>
    </message>
    <message>
        <source>Choose a reason for the refund ({reasons}).</source>
        <comment>refund_choose_reason</comment>
        <translation>Chagua sababu ya marejesho ({reasons}).</translation>
    </message>
    <message>
        <source>Choose at least one unit to refund.</source>
        <translation>Chagua angalau kipande kimoja cha kurejeshea pesa.</translation>
    </message>
    <message>
        <source>Choose at most {days} days at a time.</source>
        <comment>daily_too_long</comment>
        <translation>Chagua siku {days} au chache kwa wakati mmoja.</translation>
    </message>
    <message>
        <source>Choose one of the till's languages ({known}), not {language}.</source>
        <comment>auth.language_unknown</comment>
        <translation>Chagua mojawapo ya lugha za till ({known}), si {language}.</translation>
    </message>
    <message>
        <source>Choose refund or credit.</source>
        <translation>Chagua kurejesha pesa au kuweka kama salio.</translation>
    </message>
    <message>
        <source>Choose the items to refund and how many of each.</source>
        <translation>Chagua bidhaa za kurejeshea pesa na idadi ya kila moja.</translation>
    </message>
    <message>
        <source>Closing the shift {difference} off</source>
        <comment>shift_approve_close</comment>
        <translation>Kufunga zamu ikiwa na tofauti ya {difference}</translation>
    </message>
    <message>
        <source>Communication with the bank failed. Try again.</source>
        <translation>Mawasiliano na benki yameshindwa. Jaribu tena.</translation>
    </message>
    <message>
        <source>Connected to {gateway} at {url}: the keys work.</source>
        <comment>payments.connected</comment>
        <translation>Imeunganishwa na {gateway} kwenye {url}: funguo zinafanya kazi.</translation>
    </message>
    <message>
        <source>Could not get the M-Pesa status right now.</source>
        <translation>Haikuwezekana kupata hali ya M-Pesa sasa hivi.</translation>
    </message>
    <message>
        <source>Could not open the database {path}: {detail}</source>
        <comment>db.cannot_open</comment>
        <translation>Hifadhidata {path} haikuweza kufunguliwa: {detail}</translation>
    </message>
    <message>
        <source>Currency: this till has recorded money in {currency} already ({sales} sales, {shifts} shifts, {refunds} refunds, {attempts} payment attempts, {products} products priced in it), and a till keeps one currency for its books. To sell in {new}, set up a new till.</source>
        <comment>shop_details.currency_in_use</comment>
        <translation>Sarafu: kaunta hii imesharekodi pesa kwa {currency} ({sales} mauzo, {shifts} zamu, {refunds} marejesho, {attempts} majaribio ya malipo, {products} bidhaa zenye bei kwa sarafu hiyo), na kaunta huweka sarafu moja kwa vitabu vyake. Ili kuuza kwa {new}, anzisha kaunta mpya.</translation>
    </message>
    <message>
        <source>Customer's M-Pesa phone number</source>
        <translation>Nambari ya simu ya M-Pesa ya mteja</translation>
    </message>
    <message>
        <source>Customer's phone number</source>
        <translation>Nambari ya simu ya mteja</translation>
    </message>
    <message>
        <source>Daraja consumer key</source>
        <translation>Consumer key ya Daraja</translation>
    </message>
    <message>
        <source>Daraja consumer secret</source>
        <translation>Consumer secret ya Daraja</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>Tarehe</translation>
    </message>
    <message>
        <source>Date</source>
        <comment>receipt.date</comment>
        <translation>Tarehe</translation>
    </message>
    <message>
        <source>Declined.</source>
        <translation>Imekataliwa.</translation>
    </message>
    <message>
        <source>Discount</source>
        <comment>receipt.discount</comment>
        <translation>Punguzo</translation>
    </message>
    <message>
        <source>Discounts</source>
        <translation>Mapunguzo</translation>
    </message>
    <message>
        <source>Discounts</source>
        <comment>receipt.discounts</comment>
        <translation>Mapunguzo</translation>
    </message>
    <message>
        <source>Each item needs a quantity of at least one.</source>
        <translation>Kila bidhaa inahitaji idadi ya angalau moja.</translation>
    </message>
    <message>
        <source>End of day done at the terminal.</source>
        <translation>Mwisho wa siku umefanyika kwenye mashine.</translation>
    </message>
    <message>
        <source>End of day done at the terminal. Total {total}.</source>
        <comment>card_zvt.day_ended_total</comment>
        <translation>Mwisho wa siku umefanyika kwenye mashine. Jumla {total}.</translation>
    </message>
    <message>
        <source>End of day is not possible now.</source>
        <translation>Mwisho wa siku hauwezekani sasa.</translation>
    </message>
    <message>
        <source>Enrolled as {store}/{terminal}, but this till works as {own_store}/{own_terminal} and its sealed journal carries those ids: nothing is sent. Call support (changing the ids in the configuration by hand would stop selling).</source>
        <comment>enroll_id_mismatch</comment>
        <translation>Imesajiliwa kama {store}/{terminal}, lakini kaunta hii inafanya kazi kama {own_store}/{own_terminal} na kumbukumbu yake iliyotiwa muhuri inabeba vitambulisho hivyo: hakuna kinachotumwa. Piga simu kwa msaada (kubadilisha vitambulisho kwenye mipangilio kwa mkono kungesimamisha mauzo).</translation>
    </message>
    <message>
        <source>Enrolled as {store}/{terminal}: this till's settings now use these ids. Restart Kaunta to start sending.</source>
        <comment>enroll_restart</comment>
        <translation>Imesajiliwa kama {store}/{terminal}: mipangilio ya kaunta hii sasa inatumia vitambulisho hivi. Anzisha Kaunta upya ili kuanza kutuma.</translation>
    </message>
    <message>
        <source>Enrollment code: type the code shown at head office (4 to 64 letters, digits or dashes).</source>
        <comment>enroll_code_format</comment>
        <translation>Msimbo wa usajili: andika msimbo ulioonyeshwa makao makuu (herufi, tarakimu au vistari 4 hadi 64).</translation>
    </message>
    <message>
        <source>Enrollment: {detail}</source>
        <comment>enroll_bad_input</comment>
        <translation>Usajili: {detail}</translation>
    </message>
    <message>
        <source>Enter an amount above zero.</source>
        <comment>shift_bad_amount</comment>
        <translation>Weka kiasi zaidi ya sifuri.</translation>
    </message>
    <message>
        <source>Enter an amount more than zero.</source>
        <translation>Weka kiasi zaidi ya sifuri.</translation>
    </message>
    <message>
        <source>Enter the amount the customer handed over.</source>
        <translation>Weka kiasi ambacho mteja amekupa.</translation>
    </message>
    <message>
        <source>Exempt</source>
        <translation>Msamaha wa VAT</translation>
    </message>
    <message>
        <source>Expected cash</source>
        <translation>Pesa zinazotarajiwa</translation>
    </message>
    <message>
        <source>Finish, park or void the current sale before recalling another.</source>
        <translation>Maliza, weka kando au futa mauzo ya sasa kabla ya kurudisha mengine.</translation>
    </message>
    <message>
        <source>Follow the card terminal's screen…</source>
        <translation>Fuata maelekezo kwenye skrini ya mashine ya kadi…</translation>
    </message>
    <message>
        <source>For receipt</source>
        <comment>refund.receipt.for_receipt</comment>
        <translation>Ya risiti</translation>
    </message>
    <message>
        <source>From</source>
        <translation>Kuanzia</translation>
    </message>
    <message>
        <source>Give a reason (at least 3 characters).</source>
        <comment>shift_short_reason</comment>
        <translation>Toa sababu (angalau herufi 3).</translation>
    </message>
    <message>
        <source>Give a reason for the void (at least 3 characters).</source>
        <translation>Toa sababu ya kufuta (angalau herufi 3).</translation>
    </message>
    <message>
        <source>Give {amount} back from the drawer.</source>
        <comment>cash.give_back</comment>
        <translation>Mrudishie mteja {amount} kutoka droo.</translation>
    </message>
    <message>
        <source>Given back {amount}</source>
        <comment>refund.receipt.given_back</comment>
        <translation>Imerudishwa {amount}</translation>
    </message>
    <message>
        <source>Giving a card, M-Pesa or PayPal payment back as cash</source>
        <translation>Kurudisha malipo ya kadi, M-Pesa au PayPal kama pesa taslimu</translation>
    </message>
    <message>
        <source>Gross</source>
        <comment>receipt.gross</comment>
        <translation>Jumla</translation>
    </message>
    <message>
        <source>Gross sales</source>
        <translation>Mauzo ghafi</translation>
    </message>
    <message>
        <source>HTTP error</source>
        <translation>hitilafu ya HTTP</translation>
    </message>
    <message>
        <source>Head office address: {url} is not a web address; type it as https://hq.example.co.ke.</source>
        <comment>enroll_bad_url</comment>
        <translation>Anwani ya makao makuu: {url} si anwani ya wavuti; iandike kama https://hq.example.co.ke.</translation>
    </message>
    <message>
        <source>Head office address: {url} must start with https:// (plain http:// is only allowed to this computer).</source>
        <comment>enroll_plain_http</comment>
        <translation>Anwani ya makao makuu: {url} lazima ianze na https:// (http:// tupu inaruhusiwa kwa kompyuta hii tu).</translation>
    </message>
    <message>
        <source>Head office answered with a sale this till cannot read ({problem}). Nothing was changed: refund it at the till that sold it.</source>
        <comment>refund_remote_unreadable</comment>
        <translation>Ofisi kuu imejibu kwa mauzo ambayo kaunta hii haiwezi kusoma ({problem}). Hakuna kilichobadilishwa: fanya marejesho kwenye kaunta iliyoiuza.</translation>
    </message>
    <message>
        <source>Head office did not look the receipt up: {problem}</source>
        <comment>refund_remote_refused</comment>
        <translation>Ofisi kuu haikutafuta risiti: {problem}</translation>
    </message>
    <message>
        <source>Head office reported a PayPal payment in another currency. Do not treat the sale as paid: the manager must check it in PayPal.</source>
        <translation>Ofisi kuu imeripoti malipo ya PayPal kwa sarafu nyingine. Usihesabu mauzo haya kuwa yamelipwa: meneja lazima ayakague kwenye PayPal.</translation>
    </message>
    <message>
        <source>Head office reported another PayPal order for this payment; checking again.</source>
        <translation>Ofisi kuu imeripoti oda nyingine ya PayPal kwa malipo haya; inakagua tena.</translation>
    </message>
    <message>
        <source>Head office reports a refund at PayPal for this payment; checking again.</source>
        <translation>Ofisi kuu inaripoti marejesho ya pesa kwenye PayPal kwa malipo haya; inakagua tena.</translation>
    </message>
    <message>
        <source>Importing the catalog</source>
        <translation>Kuingiza orodha ya bidhaa</translation>
    </message>
    <message>
        <source>Insert, tap or swipe the card…</source>
        <translation>Ingiza, gusa au pitisha kadi…</translation>
    </message>
    <message>
        <source>Invalid card.</source>
        <translation>Kadi si halali.</translation>
    </message>
    <message>
        <source>It will be checked again; if the customer shows an M-Pesa SMS, call the manager.</source>
        <translation>Itakaguliwa tena; mteja akionyesha SMS ya M-Pesa, mwite meneja.</translation>
    </message>
    <message>
        <source>KRA already holds other invoices under these numbers (skipped)</source>
        <translation>KRA tayari ina ankara nyingine kwa nambari hizi (zimerukwa)</translation>
    </message>
    <message>
        <source>KRA asked to try later; next try at</source>
        <translation>KRA imeomba kujaribu baadaye; jaribio lijalo saa</translation>
    </message>
    <message>
        <source>KRA could not be reached</source>
        <translation>KRA haikupatikana</translation>
    </message>
    <message>
        <source>KRA did not answer in time</source>
        <translation>KRA haikujibu kwa wakati</translation>
    </message>
    <message>
        <source>KRA does not accept this device or key</source>
        <translation>KRA haikubali kifaa hiki au ufunguo wake</translation>
    </message>
    <message>
        <source>KRA eTIMS: on {at} the KRA signatures stored in {file} were found changed outside Kaunta ({finding}). This stays here until a manager acknowledges it. Sales go on. Manager: run kaunta verify and call support. Then acknowledge it in Manager &gt; KRA eTIMS queue.</source>
        <comment>etims.tampered.recorded#one</comment>
        <translation>KRA eTIMS: tarehe {at} sahihi za KRA zilizohifadhiwa kwenye {file} zilikutwa zimebadilishwa nje ya Kaunta ({finding}). Onyo hili linabaki hapa hadi meneja alithibitishe. Mauzo yanaendelea. Meneja: endesha kaunta verify kisha piga simu kwa msaada. Kisha lithibitishe kwenye Meneja &gt; Foleni ya KRA eTIMS.</translation>
    </message>
    <message>
        <source>KRA eTIMS: on {at} the KRA signatures stored in {file} were found changed outside Kaunta ({problems} problems, the first: {finding}). This stays here until a manager acknowledges it. Sales go on. Manager: run kaunta verify and call support. Then acknowledge it in Manager &gt; KRA eTIMS queue.</source>
        <comment>etims.tampered.recorded#other</comment>
        <translation>KRA eTIMS: tarehe {at} sahihi za KRA zilizohifadhiwa kwenye {file} zilikutwa zimebadilishwa nje ya Kaunta (matatizo {problems}, la kwanza: {finding}). Onyo hili linabaki hapa hadi meneja alithibitishe. Mauzo yanaendelea. Meneja: endesha kaunta verify kisha piga simu kwa msaada. Kisha lithibitishe kwenye Meneja &gt; Foleni ya KRA eTIMS.</translation>
    </message>
    <message>
        <source>KRA eTIMS: the KRA signatures stored in {file} were changed outside Kaunta ({finding}). Sales go on and the file is kept as it was found. Manager: do not change or delete it; run kaunta verify (it names every problem) and call support. Then acknowledge it in Manager &gt; KRA eTIMS queue.</source>
        <comment>etims.tampered.alert#one</comment>
        <translation>KRA eTIMS: sahihi za KRA zilizohifadhiwa kwenye {file} zimebadilishwa nje ya Kaunta ({finding}). Mauzo yanaendelea na faili imeachwa kama ilivyopatikana. Meneja: usiibadilishe wala usiifute; endesha kaunta verify (inataja kila tatizo) kisha piga simu kwa msaada. Kisha lithibitishe kwenye Meneja &gt; Foleni ya KRA eTIMS.</translation>
    </message>
    <message>
        <source>KRA eTIMS: the KRA signatures stored in {file} were changed outside Kaunta ({finding}). They are chained the old way, without the key, and were not re-chained with it. Sales go on and the file is kept as it was found. Manager: do not change or delete it; run kaunta verify (it names every problem) and call support. Then acknowledge it in Manager &gt; KRA eTIMS queue.</source>
        <comment>etims.tampered.old_chain#one</comment>
        <translation>KRA eTIMS: sahihi za KRA zilizohifadhiwa kwenye {file} zimebadilishwa nje ya Kaunta ({finding}). Zimeunganishwa kwa njia ya zamani, bila ufunguo, na hazikuunganishwa upya nao. Mauzo yanaendelea na faili imeachwa kama ilivyopatikana. Meneja: usiibadilishe wala usiifute; endesha kaunta verify (inataja kila tatizo) kisha piga simu kwa msaada. Kisha lithibitishe kwenye Meneja &gt; Foleni ya KRA eTIMS.</translation>
    </message>
    <message>
        <source>KRA eTIMS: the KRA signatures stored in {file} were changed outside Kaunta ({problems} problems, the first: {finding}). Sales go on and the file is kept as it was found. Manager: do not change or delete it; run kaunta verify (it names every problem) and call support. Then acknowledge it in Manager &gt; KRA eTIMS queue.</source>
        <comment>etims.tampered.alert#other</comment>
        <translation>KRA eTIMS: sahihi za KRA zilizohifadhiwa kwenye {file} zimebadilishwa nje ya Kaunta (matatizo {problems}, la kwanza: {finding}). Mauzo yanaendelea na faili imeachwa kama ilivyopatikana. Meneja: usiibadilishe wala usiifute; endesha kaunta verify (inataja kila tatizo) kisha piga simu kwa msaada. Kisha lithibitishe kwenye Meneja &gt; Foleni ya KRA eTIMS.</translation>
    </message>
    <message>
        <source>KRA eTIMS: the KRA signatures stored in {file} were changed outside Kaunta ({problems} problems, the first: {finding}). They are chained the old way, without the key, and were not re-chained with it. Sales go on and the file is kept as it was found. Manager: do not change or delete it; run kaunta verify (it names every problem) and call support. Then acknowledge it in Manager &gt; KRA eTIMS queue.</source>
        <comment>etims.tampered.old_chain#other</comment>
        <translation>KRA eTIMS: sahihi za KRA zilizohifadhiwa kwenye {file} zimebadilishwa nje ya Kaunta (matatizo {problems}, la kwanza: {finding}). Zimeunganishwa kwa njia ya zamani, bila ufunguo, na hazikuunganishwa upya nao. Mauzo yanaendelea na faili imeachwa kama ilivyopatikana. Meneja: usiibadilishe wala usiifute; endesha kaunta verify (inataja kila tatizo) kisha piga simu kwa msaada. Kisha lithibitishe kwenye Meneja &gt; Foleni ya KRA eTIMS.</translation>
    </message>
    <message>
        <source>KRA had signed this sale before, as number</source>
        <translation>KRA ilikuwa imeshasaini mauzo haya awali, kama nambari</translation>
    </message>
    <message>
        <source>KRA holds every invoice number tried; the branch stops (see the log)</source>
        <translation>KRA ina kila nambari ya ankara iliyojaribiwa; tawi limesimama (tazama kumbukumbu)</translation>
    </message>
    <message>
        <source>KRA refused the connection</source>
        <translation>KRA ilikataa muunganisho</translation>
    </message>
    <message>
        <source>KRA tax bands</source>
        <translation>Makundi ya kodi ya KRA</translation>
    </message>
    <message>
        <source>KRA's certificate was not trusted</source>
        <translation>cheti cha KRA hakikuaminika</translation>
    </message>
    <message>
        <source>KRA's reply was not readable</source>
        <translation>jibu la KRA halikusomeka</translation>
    </message>
    <message>
        <source>Kaunta cannot write to its data folder {folder} ({reason}). Make the folder and the files in it writable for the user running Kaunta (a USB or network drive must be connected and not write-protected), or start Kaunta with --data-dir pointing to a folder it can write.</source>
        <comment>store.not_writable</comment>
        <translation>Kaunta haiwezi kuandika kwenye folda yake ya data {folder} ({reason}). Ruhusu folda na faili zilizomo ziandikwe na mtumiaji anayeendesha Kaunta (diski ya USB au ya mtandao lazima iwe imeunganishwa na isiwe imezuiwa kuandikwa), au anzisha Kaunta kwa --data-dir ikielekeza kwenye folda inayoweza kuandikwa.</translation>
    </message>
    <message>
        <source>Kaunta is already running on the data folder {data_dir} ({holder}). Switch to that window, or close it first. To run a second till on this computer, start it with a different --data-dir.</source>
        <comment>store.already_running</comment>
        <translation>Kaunta tayari inafanya kazi kwenye folda ya data {data_dir} ({holder}). Nenda kwenye dirisha hilo, au lifunge kwanza. Ili kuendesha till ya pili kwenye kompyuta hii, ianzishe kwa --data-dir tofauti.</translation>
    </message>
    <message>
        <source>Kaunta put back the copy it made just before ({backup}): the database is as it was and nothing was lost.</source>
        <comment>store.upgrade_put_back</comment>
        <translation>Kaunta imerudisha nakala iliyoifanya kabla tu ({backup}): hifadhidata iko kama ilivyokuwa na hakuna kilichopotea.</translation>
    </message>
    <message>
        <source>Key the approval code and the card's last 4 digits from the terminal's slip.</source>
        <translation>Andika nambari ya idhini na tarakimu 4 za mwisho za kadi kutoka kwenye karatasi ya mashine ya kadi.</translation>
    </message>
    <message>
        <source>Last 4 digits of the card</source>
        <translation>Tarakimu 4 za mwisho za kadi</translation>
    </message>
    <message>
        <source>Limit not sufficient.</source>
        <translation>Kikomo hakitoshi.</translation>
    </message>
    <message>
        <source>Lipa na M-Pesa passkey</source>
        <translation>Passkey ya Lipa na M-Pesa</translation>
    </message>
    <message>
        <source>Log in with your PIN first.</source>
        <translation>Ingia kwa PIN yako kwanza.</translation>
    </message>
    <message>
        <source>M-Pesa answered with an error; the prompt may or may not have reached the phone. Ask the customer: if they paid, call the manager before taking money again.</source>
        <translation>M-Pesa imejibu kwa hitilafu; ombi la PIN huenda limefika kwenye simu au halijafika. Muulize mteja: kama amelipa, mwite meneja kabla ya kupokea pesa tena.</translation>
    </message>
    <message>
        <source>M-Pesa could not be reached, so nothing was sent to the customer's phone. Check the network and try again, or pay another way.</source>
        <translation>M-Pesa haikupatikana, kwa hiyo hakuna kilichotumwa kwenye simu ya mteja. Angalia mtandao kisha jaribu tena, au lipa kwa njia nyingine.</translation>
    </message>
    <message>
        <source>M-Pesa could not send the PIN prompt to the phone. Try again; if it keeps failing, pay another way.</source>
        <translation>M-Pesa haikuweza kutuma ombi la PIN kwenye simu. Jaribu tena; ikiendelea kushindikana, lipa kwa njia nyingine.</translation>
    </message>
    <message>
        <source>M-Pesa did not take the payment (an unusual answer). Try again or pay another way; if the customer's phone shows an M-Pesa confirmation, call the manager.</source>
        <translation>M-Pesa haikupokea malipo (jibu lisilo la kawaida). Jaribu tena au lipa kwa njia nyingine; simu ya mteja ikionyesha uthibitisho wa M-Pesa, mwite meneja.</translation>
    </message>
    <message>
        <source>M-Pesa had an internal error; the prompt may or may not have reached the phone. Ask the customer: if they paid, call the manager before taking money again.</source>
        <translation>M-Pesa imepata hitilafu ya ndani; ombi la PIN huenda limefika kwenye simu au halijafika. Muulize mteja: kama amelipa, mwite meneja kabla ya kupokea pesa tena.</translation>
    </message>
    <message>
        <source>M-Pesa is busy right now. Wait a moment and try again, or pay another way.</source>
        <translation>M-Pesa ina shughuli nyingi sasa hivi. Subiri kidogo ujaribu tena, au lipa kwa njia nyingine.</translation>
    </message>
    <message>
        <source>M-Pesa is receiving too many requests from this shop (spike arrest). Wait a few seconds and try again.</source>
        <translation>M-Pesa inapokea maombi mengi mno kutoka duka hili. Subiri sekunde chache ujaribu tena.</translation>
    </message>
    <message>
        <source>M-Pesa payments must be at least KES 1.00.</source>
        <translation>Malipo ya M-Pesa lazima yawe angalau KES 1.00.</translation>
    </message>
    <message>
        <source>M-Pesa refused one of the shop's M-Pesa settings as invalid, so nothing was sent to the phone.</source>
        <translation>M-Pesa imekataa mojawapo ya mipangilio ya M-Pesa ya duka kwa kuwa si sahihi, kwa hivyo hakuna kilichotumwa kwa simu.</translation>
    </message>
    <message>
        <source>M-Pesa refused the amount (whole shillings, at least 1, within the limit). Check the amount and try again, or split the payment.</source>
        <translation>M-Pesa imekataa kiasi (shilingi kamili, angalau 1, ndani ya kikomo). Angalia kiasi ujaribu tena, au gawanya malipo.</translation>
    </message>
    <message>
        <source>M-Pesa refused the payment (the same amount may have gone to this number in the last 2 minutes). Wait 2 minutes and try again, or pay another way.</source>
        <translation>M-Pesa imekataa malipo (kiasi hicho hicho huenda kimetumwa kwa nambari hii ndani ya dakika 2 zilizopita). Subiri dakika 2 ujaribu tena, au lipa kwa njia nyingine.</translation>
    </message>
    <message>
        <source>M-Pesa refused the phone number. Check it with the customer and try again.</source>
        <translation>M-Pesa imekataa nambari ya simu. Ithibitishe na mteja ujaribu tena.</translation>
    </message>
    <message>
        <source>M-Pesa refused the request as invalid, so nothing was sent to the phone.</source>
        <translation>M-Pesa imekataa ombi kwa kuwa si sahihi, kwa hivyo hakuna kilichotumwa kwa simu.</translation>
    </message>
    <message>
        <source>M-Pesa refused the request as invalid.</source>
        <translation>M-Pesa imekataa ombi kwa kuwa si sahihi.</translation>
    </message>
    <message>
        <source>M-Pesa refused the request, so nothing was sent to the phone. Try again; if it keeps failing, pay another way.</source>
        <translation>M-Pesa imekataa ombi, kwa hiyo hakuna kilichotumwa kwenye simu. Jaribu tena; ikiendelea kushindikana, lipa kwa njia nyingine.</translation>
    </message>
    <message>
        <source>M-Pesa refused the shop's API keys (consumer key/secret).</source>
        <translation>M-Pesa imekataa funguo za API za duka (consumer key/secret).</translation>
    </message>
    <message>
        <source>M-Pesa refused the shop's access token. Try again in a minute; if it keeps happening, call the manager to check the M-Pesa keys.</source>
        <translation>M-Pesa imekataa tokeni ya duka. Jaribu tena baada ya dakika moja; ikiendelea, mwite meneja aangalie funguo za M-Pesa.</translation>
    </message>
    <message>
        <source>M-Pesa refused the shop's credentials (wrong shortcode or passkey), so nothing was sent to the phone.</source>
        <translation>M-Pesa imekataa vitambulisho vya duka (shortcode au passkey si sahihi), kwa hiyo hakuna kilichotumwa kwenye simu.</translation>
    </message>
    <message>
        <source>M-Pesa refused the shop's login request (invalid grant type).</source>
        <translation>M-Pesa imekataa ombi la kuingia la duka (grant type si sahihi).</translation>
    </message>
    <message>
        <source>M-Pesa reported a payment that does not match this sale ({what}). Do not treat the sale as paid: the manager must check the M-Pesa statement (receipt {receipt}) and settle it.</source>
        <comment>mpesa.mismatch_receipt</comment>
        <translation>M-Pesa imeripoti malipo yasiyolingana na mauzo haya ({what}). Usihesabu mauzo haya kuwa yamelipwa: meneja lazima akague taarifa ya M-Pesa (risiti {receipt}) na amalize hesabu.</translation>
    </message>
    <message>
        <source>M-Pesa reported a payment that does not match this sale ({what}). Do not treat the sale as paid: the manager must check the M-Pesa statement and settle it.</source>
        <comment>mpesa.mismatch</comment>
        <translation>M-Pesa imeripoti malipo yasiyolingana na mauzo haya ({what}). Usihesabu mauzo haya kuwa yamelipwa: meneja lazima akague taarifa ya M-Pesa na amalize hesabu.</translation>
    </message>
    <message>
        <source>M-Pesa says the shop's till does not exist, so nothing was paid.</source>
        <translation>M-Pesa inasema till ya duka haipo, kwa hiyo hakuna kilicholipwa.</translation>
    </message>
    <message>
        <source>M-Pesa takes Kenya shillings only, not {currency}.</source>
        <comment>mpesa.shillings_only</comment>
        <translation>M-Pesa inapokea shilingi za Kenya tu, si {currency}.</translation>
    </message>
    <message>
        <source>M-Pesa takes whole shillings only; {amount} has cents. Round the amount up to the next shilling first.</source>
        <comment>mpesa.has_cents</comment>
        <translation>M-Pesa inapokea shilingi kamili tu; {amount} ina senti. Kwanza pandisha kiasi hadi shilingi kamili inayofuata.</translation>
    </message>
    <message>
        <source>Make sure {label} is on and connected, then press Check again. Do not give this money back another way meanwhile.</source>
        <comment>refund_todo_pending</comment>
        <translation>Hakikisha {label} imewashwa na imeunganishwa, kisha bonyeza Angalia tena. Usirudishe pesa hizi kwa njia nyingine wakati huu.</translation>
    </message>
    <message>
        <source>Make the {label} reversal of {amount} first, then type its reference (or give it back as cash, with a manager's approval).</source>
        <comment>refund_reversal_first</comment>
        <translation>Fanya kwanza urejeshaji wa {label} wa {amount}, kisha andika kumbukumbu yake (au irudishe kama taslimu, kwa idhini ya meneja).</translation>
    </message>
    <message>
        <source>Managing users</source>
        <translation>Kusimamia watumiaji</translation>
    </message>
    <message>
        <source>Money was taken on the current sale: finish or void it first.</source>
        <translation>Pesa zimeshapokelewa kwenye mauzo ya sasa: yamalize au uyafute kwanza.</translation>
    </message>
    <message>
        <source>Money was taken on this sale: finish or void it, do not park.</source>
        <translation>Pesa zimeshapokelewa kwenye mauzo haya: yamalize au uyafute, usiyaweke kando.</translation>
    </message>
    <message>
        <source>Money was taken on this sale: the buyer's KRA PIN can only be added or removed before payment.</source>
        <comment>sale.buyer_after_payment</comment>
        <translation>Pesa zimeshapokelewa kwenye mauzo haya: PIN ya KRA ya mnunuzi huongezwa au kuondolewa kabla ya malipo tu.</translation>
    </message>
    <message>
        <source>Net</source>
        <comment>receipt.net</comment>
        <translation>Bila VAT</translation>
    </message>
    <message>
        <source>Net      VAT    Gross</source>
        <comment>receipt.vat_head</comment>
        <translation>Bila VAT VAT  Jumla</translation>
    </message>
    <message>
        <source>Net sales</source>
        <translation>Mauzo halisi</translation>
    </message>
    <message>
        <source>No PIN set-up code is waiting for this person on this till. Ask head office for one (Staff, Make a PIN set-up code); it reaches this till with the next sync.</source>
        <comment>pin_setup_none</comment>
        <translation>Hakuna msimbo wa kuweka PIN unaomsubiri mtu huyu kwenye kaunta hii. Omba ofisi kuu (Wafanyakazi, Tengeneza msimbo wa kuweka PIN); utafika kwenye kaunta hii na usawazishaji unaofuata.</translation>
    </message>
    <message>
        <source>No answer from the customer in time. Ask them to check their phone, then try again or take another method. If it is paid later, the manager is alerted.</source>
        <translation>Mteja hakujibu kwa wakati. Mwombe aangalie simu yake, kisha jaribu tena au tumia njia nyingine. Ikilipwa baadaye, meneja ataarifiwa.</translation>
    </message>
    <message>
        <source>No backup of {path} was made ({doing}: the disk is full: free some space on {drive}). The database itself is unchanged and the till keeps working.</source>
        <comment>backup.not_made_full</comment>
        <translation>Nakala ya akiba ya {path} haikutengenezwa ({doing}: diski imejaa: ondoa vitu ili kupata nafasi kwenye {drive}). Hifadhidata yenyewe haijabadilika na till inaendelea kufanya kazi.</translation>
    </message>
    <message>
        <source>No backup of {path} was made ({doing}: {reason}). The database itself is unchanged and the till keeps working.</source>
        <comment>backup.not_made</comment>
        <translation>Nakala ya akiba ya {path} haikutengenezwa ({doing}: {reason}). Hifadhidata yenyewe haijabadilika na till inaendelea kufanya kazi.</translation>
    </message>
    <message>
        <source>No backup of {path} was made: the copy failed its integrity check ({detail}). The database itself may be damaged: the good backups are kept; call support before selling on.</source>
        <comment>backup.not_made_damaged</comment>
        <translation>Nakala ya akiba ya {path} haikutengenezwa: nakala imeshindwa ukaguzi wa uadilifu ({detail}). Huenda hifadhidata yenyewe imeharibika: nakala nzuri za akiba zimehifadhiwa; piga simu kwa msaada kabla ya kuendelea kuuza.</translation>
    </message>
    <message>
        <source>No card terminal is set up on this till.</source>
        <translation>Hakuna mashine ya kadi kwenye kaunta hii.</translation>
    </message>
    <message>
        <source>No cash drawer is set up on this till.</source>
        <translation>Hakuna droo ya pesa kwenye kaunta hii.</translation>
    </message>
    <message>
        <source>No customer display is set up on this till.</source>
        <translation>Hakuna skrini ya mteja kwenye kaunta hii.</translation>
    </message>
    <message>
        <source>No exchange rate for {currency} is configured.</source>
        <comment>payments.no_rate</comment>
        <translation>Hakuna kiwango cha kubadilisha fedha cha {currency} kilichowekwa.</translation>
    </message>
    <message>
        <source>No items are left on this sale ({paid} paid): void it (F8). Cash is given back from the drawer; other payments go back through the manager (Settle…).</source>
        <comment>checkout.nothing_left</comment>
        <translation>Hakuna bidhaa zilizobaki kwenye mauzo haya ({paid} zimelipwa): yafute (F8). Pesa taslimu zinarudishwa kutoka droo; malipo mengine yanarudishwa na meneja (Maliza hesabu…).</translation>
    </message>
    <message>
        <source>No product has barcode or SKU {code}.</source>
        <comment>refund_no_product</comment>
        <translation>Hakuna bidhaa yenye msimbopau au SKU {code}.</translation>
    </message>
    <message>
        <source>No product has barcode {barcode}. Search by name, or ask a manager to add it.</source>
        <comment>unknown_barcode</comment>
        <translation>Hakuna bidhaa yenye barcode {barcode}. Tafuta kwa jina, au mwombe meneja aiongeze.</translation>
    </message>
    <message>
        <source>No receipt printer is set up on this till.</source>
        <translation>Hakuna printa ya risiti kwenye kaunta hii.</translation>
    </message>
    <message>
        <source>No receipt {text} in this till's journal, and head office cannot be reached to look for it ({problem}). Nothing was changed: try again when the till is online, or refund it at the till that sold it.</source>
        <comment>refund_remote_unreachable</comment>
        <translation>Hakuna risiti {text} kwenye kumbukumbu za kaunta hii, na ofisi kuu haipatikani ili kuitafuta ({problem}). Hakuna kilichobadilishwa: jaribu tena kaunta ikiwa mtandaoni, au fanya marejesho kwenye kaunta iliyoiuza.</translation>
    </message>
    <message>
        <source>No receipt {text} in this till's journal, and this till is not linked to a head office that could find it: refund it at the till that sold it.</source>
        <comment>refund_remote_not_enrolled</comment>
        <translation>Hakuna risiti {text} kwenye kumbukumbu za kaunta hii, na kaunta hii haijaunganishwa na ofisi kuu inayoweza kuipata: fanya marejesho kwenye kaunta iliyoiuza.</translation>
    </message>
    <message>
        <source>No shift is open on this till: open one with the float counted (Manager tools, Ctrl+M).</source>
        <comment>shift_none</comment>
        <translation>Hakuna zamu iliyo wazi kwenye till hii: fungua moja baada ya kuhesabu pesa za chenji za kuanzia (Zana za meneja, Ctrl+M).</translation>
    </message>
    <message>
        <source>No shift since the last Z: open a shift first.</source>
        <comment>x_nothing</comment>
        <translation>Hakuna zamu tangu Z ya mwisho: fungua zamu kwanza.</translation>
    </message>
    <message>
        <source>No shift was closed since Z {number}: there is nothing new for a Z report.</source>
        <comment>z_nothing</comment>
        <translation>Hakuna zamu iliyofungwa tangu Z {number}: hakuna jipya kwa ripoti ya Z.</translation>
    </message>
    <message>
        <source>No {method} payment on this till has reference {reference}.</source>
        <comment>payments.no_such_reference</comment>
        <translation>Hakuna malipo ya {method} kwenye till hii yenye kumbukumbu {reference}.</translation>
    </message>
    <message>
        <source>No-sale openings</source>
        <translation>Kufungua bila mauzo</translation>
    </message>
    <message>
        <source>Nobody is logged in.</source>
        <translation>Hakuna aliyeingia.</translation>
    </message>
    <message>
        <source>Not accepted.</source>
        <translation>Haikukubaliwa.</translation>
    </message>
    <message>
        <source>Not counted in this report yet: resolve each in the refund dialog (Check again, or settle by hand) before the Z.</source>
        <translation>Bado hayajahesabiwa katika ripoti hii: shughulikia kila moja kwenye dirisha la marejesho (Angalia tena, au maliza kwa mkono) kabla ya Z.</translation>
    </message>
    <message>
        <source>Not enough credit on the card. Ask for another card or another way to pay.</source>
        <translation>Salio la kadi halitoshi. Omba kadi nyingine au njia nyingine ya kulipa.</translation>
    </message>
    <message>
        <source>Not enough credit.</source>
        <translation>Salio halitoshi.</translation>
    </message>
    <message>
        <source>Nothing is due on this sale.</source>
        <translation>Hakuna deni kwenye mauzo haya.</translation>
    </message>
    <message>
        <source>Nothing to ask.</source>
        <translation>Hakuna cha kuuliza.</translation>
    </message>
    <message>
        <source>Nothing was keyed.</source>
        <translation>Hakuna kilichoandikwa.</translation>
    </message>
    <message>
        <source>Number of sales</source>
        <translation>Idadi ya mauzo</translation>
    </message>
    <message>
        <source>Only a parked sale can be recalled.</source>
        <translation>Ni mauzo yaliyowekwa kando tu yanayoweza kurudishwa.</translation>
    </message>
    <message>
        <source>Only a training till opens a shift by itself.</source>
        <translation>Ni till ya mafunzo tu inayofungua zamu yenyewe.</translation>
    </message>
    <message>
        <source>Only digits in a phone number: type 07XX XXX XXX or 01XX XXX XXX.</source>
        <comment>mpesa.phone_digits_only</comment>
        <translation>Namba ya simu ni tarakimu tu: andika 07XX XXX XXX au 01XX XXX XXX.</translation>
    </message>
    <message>
        <source>Only {left} of the {sold} sold can still be refunded ({refunded} went back already).</source>
        <comment>refund_only_left</comment>
        <translation>Ni {left} tu kati ya {sold} zilizouzwa zinazoweza kurejeshwa bado ({refunded} zimesharudishwa).</translation>
    </message>
    <message>
        <source>Opening float</source>
        <translation>Chenji ya kuanzia</translation>
    </message>
    <message>
        <source>Original receipt</source>
        <comment>refund.receipt.original</comment>
        <translation>Risiti ya awali</translation>
    </message>
    <message>
        <source>PIN tries exceeded.</source>
        <translation>Majaribio ya PIN yamezidi.</translation>
    </message>
    <message>
        <source>PIN {pin}</source>
        <comment>receipt.pin</comment>
        <translation>PIN {pin}</translation>
    </message>
    <message>
        <source>Paid with M-Pesa.</source>
        <translation>Imelipwa kwa M-Pesa.</translation>
    </message>
    <message>
        <source>Paid with PayPal.</source>
        <translation>Imelipwa kwa PayPal.</translation>
    </message>
    <message>
        <source>Paid {amount} at {rate}</source>
        <comment>receipt.foreign</comment>
        <translation>Imelipwa {amount} kwa kiwango {rate}</translation>
    </message>
    <message>
        <source>Part of refund {refund} went back through its methods and part did not: nothing is recorded as refunded. Tell head office what each terminal or gateway shows before refunding this sale again.</source>
        <comment>refund_todo_mixed</comment>
        <translation>Sehemu ya marejesho {refund} imerudi kupitia njia zake na sehemu haikurudi: hakuna kilichorekodiwa kama kimerudishwa. Iambie ofisi kuu kinachoonyeshwa na kila mashine au huduma ya malipo kabla ya kurejesha mauzo haya tena.</translation>
    </message>
    <message>
        <source>PayPal accepted the refund of {amount}; it completes when PayPal releases it.</source>
        <comment>paypal.refund_pending</comment>
        <translation>PayPal imekubali kurudisha {amount}; itakamilika PayPal itakapoziachilia.</translation>
    </message>
    <message>
        <source>PayPal cannot take this amount's decimals.</source>
        <translation>PayPal haiwezi kupokea desimali za kiasi hiki.</translation>
    </message>
    <message>
        <source>PayPal cannot take {currency}: PayPal does not support it. Charge PayPal payments in {price_currency}.</source>
        <comment>paypal.currency_not_supported</comment>
        <translation>PayPal haipokei {currency}: PayPal haiitumii. Toza malipo ya PayPal kwa {price_currency}.</translation>
    </message>
    <message>
        <source>PayPal client id</source>
        <translation>Client id ya PayPal</translation>
    </message>
    <message>
        <source>PayPal client secret</source>
        <translation>Client secret ya PayPal</translation>
    </message>
    <message>
        <source>PayPal declined the customer's card or bank. They can choose another funding source in PayPal (scan the code again) or pay another way.</source>
        <translation>PayPal imekataa kadi au benki ya mteja. Anaweza kuchagua chanzo kingine cha pesa ndani ya PayPal (skani msimbo tena) au alipe kwa njia nyingine.</translation>
    </message>
    <message>
        <source>PayPal declined this payment.</source>
        <translation>PayPal imekataa malipo haya.</translation>
    </message>
    <message>
        <source>PayPal did not accept Kaunta's sign-in. Ask the manager to check the PayPal settings; take another method meanwhile.</source>
        <translation>PayPal haikukubali kuingia kwa Kaunta. Mwombe meneja aangalie mipangilio ya PayPal; kwa sasa pokea kwa njia nyingine.</translation>
    </message>
    <message>
        <source>PayPal did not accept the shop's PayPal credentials. Ask the manager to check the PayPal settings; take another method meanwhile.</source>
        <translation>PayPal haikukubali vitambulisho vya PayPal vya duka. Mwombe meneja aangalie mipangilio ya PayPal; kwa sasa pokea kwa njia nyingine.</translation>
    </message>
    <message>
        <source>PayPal did not complete the payment.</source>
        <translation>PayPal haikukamilisha malipo.</translation>
    </message>
    <message>
        <source>PayPal did not complete the refund. Refund another way.</source>
        <translation>PayPal haikukamilisha kurudisha pesa. Rudisha kwa njia nyingine.</translation>
    </message>
    <message>
        <source>PayPal does not allow refunding this payment. Refund in cash.</source>
        <translation>PayPal hairuhusu kurudisha malipo haya. Rudisha kwa pesa taslimu.</translation>
    </message>
    <message>
        <source>PayPal does not take this currency. Price PayPal payments in a currency PayPal supports (e.g. USD).</source>
        <translation>PayPal haipokei sarafu hii. Weka bei ya malipo ya PayPal kwa sarafu inayokubaliwa na PayPal (k.m. USD).</translation>
    </message>
    <message>
        <source>PayPal gave an unexpected order status; checking again.</source>
        <translation>PayPal imetoa hali isiyotarajiwa ya oda; inaangalia tena.</translation>
    </message>
    <message>
        <source>PayPal is holding this payment ({reason}); it is not paid yet. Wait, or cancel and take another method.</source>
        <comment>paypal.capture_pending</comment>
        <translation>PayPal imeshikilia malipo haya ({reason}); bado hayajalipwa. Subiri, au ghairi na upokee kwa njia nyingine.</translation>
    </message>
    <message>
        <source>PayPal is holding this payment; it is not paid yet.</source>
        <translation>PayPal imeshikilia malipo haya; bado hayajalipwa.</translation>
    </message>
    <message>
        <source>PayPal is still holding this payment; it can be refunded once PayPal releases it.</source>
        <translation>PayPal bado inashikilia malipo haya; yanaweza kurudishwa PayPal ikishayaachilia.</translation>
    </message>
    <message>
        <source>PayPal marks the order completed but shows no capture yet; checking again.</source>
        <translation>PayPal inaonyesha oda imekamilika lakini bado haionyeshi pesa zilizochukuliwa; inaangalia tena.</translation>
    </message>
    <message>
        <source>PayPal needs the secrets paypal.client_id and paypal.client_secret in the keyring (from the PayPal developer dashboard, REST app credentials).</source>
        <translation>PayPal inahitaji siri paypal.client_id na paypal.client_secret kwenye keyring (kutoka PayPal developer dashboard, REST app credentials).</translation>
    </message>
    <message>
        <source>PayPal payment withdrawn; nothing was taken. The customer's link will lapse.</source>
        <translation>Malipo ya PayPal yameondolewa; hakuna kilichochukuliwa. Kiungo cha mteja kitaisha muda wake.</translation>
    </message>
    <message>
        <source>PayPal refused ({issue}).</source>
        <comment>paypal.refused</comment>
        <translation>PayPal imekataa ({issue}).</translation>
    </message>
    <message>
        <source>PayPal refused the request ({status} {issue}). Take another method and tell the manager.</source>
        <comment>paypal.request_refused</comment>
        <translation>PayPal imekataa ombi ({status} {issue}). Pokea kwa njia nyingine na umjulishe meneja.</translation>
    </message>
    <message>
        <source>PayPal refused this payment.</source>
        <translation>PayPal imekataa malipo haya.</translation>
    </message>
    <message>
        <source>PayPal says this payment was taken but does not show it yet; checking again.</source>
        <translation>PayPal inasema malipo haya yamechukuliwa lakini bado haiyaonyeshi; inaangalia tena.</translation>
    </message>
    <message>
        <source>PayPal sent no approval link; checking the payment again.</source>
        <translation>PayPal haikutuma kiungo cha kuidhinisha; inaangalia malipo tena.</translation>
    </message>
    <message>
        <source>PayPal shows part of this payment refunded already: only {kept} was kept.</source>
        <comment>paypal.partly_refunded_already</comment>
        <translation>PayPal inaonyesha sehemu ya malipo haya imesharudishwa: ni {kept} tu iliyobaki.</translation>
    </message>
    <message>
        <source>PayPal takes {currency} amounts with {digits} decimal at most and up to 15 digits; this amount cannot be sent.</source>
        <comment>paypal.too_many_decimals#one</comment>
        <translation>PayPal hupokea kiasi cha {currency} chenye desimali {digits} tu na tarakimu 15 kwa jumla; kiasi hiki hakiwezi kutumwa.</translation>
    </message>
    <message>
        <source>PayPal takes {currency} amounts with {digits} decimals at most and up to 15 digits; this amount cannot be sent.</source>
        <comment>paypal.too_many_decimals#other</comment>
        <translation>PayPal hupokea kiasi cha {currency} chenye desimali {digits} tu na tarakimu 15 kwa jumla; kiasi hiki hakiwezi kutumwa.</translation>
    </message>
    <message>
        <source>PayPal thinks this sale was already paid (same invoice). Check the sales list before taking money again.</source>
        <translation>PayPal inadhani mauzo haya yalishalipwa (ankara ile ile). Angalia orodha ya mauzo kabla ya kupokea pesa tena.</translation>
    </message>
    <message>
        <source>PayPal wants the customer to choose another funding source. Scan again or pay another way.</source>
        <translation>PayPal inataka mteja achague chanzo kingine cha pesa. Skani tena au lipa kwa njia nyingine.</translation>
    </message>
    <message>
        <source>Payer {payer}</source>
        <comment>receipt.payer</comment>
        <translation>Mlipaji {payer}</translation>
    </message>
    <message>
        <source>Payment not possible.</source>
        <translation>Malipo hayawezekani.</translation>
    </message>
    <message>
        <source>Payment reversed on the card.</source>
        <translation>Malipo yamerudishwa kwenye kadi.</translation>
    </message>
    <message>
        <source>Payments: {codes} is not installed on this computer; choose among the methods shown.</source>
        <comment>shop_details.methods_unknown</comment>
        <translation>Malipo: {codes} haijasakinishwa kwenye kompyuta hii; chagua kati ya njia zilizoonyeshwa.</translation>
    </message>
    <message>
        <source>Please remove the card.</source>
        <translation>Tafadhali toa kadi.</translation>
    </message>
    <message>
        <source>Please wait…</source>
        <translation>Tafadhali subiri…</translation>
    </message>
    <message>
        <source>Printed by</source>
        <translation>Imechapishwa na</translation>
    </message>
    <message>
        <source>Processing error.</source>
        <translation>Hitilafu ya kuchakata.</translation>
    </message>
    <message>
        <source>Prompt sent to {payer}. Ask the customer to enter their M-Pesa PIN.</source>
        <comment>mpesa.prompt_sent</comment>
        <translation>Ombi limetumwa kwa {payer}. Mwombe mteja aweke PIN yake ya M-Pesa.</translation>
    </message>
    <message>
        <source>Putting back the copy made just before ({backup}) failed too: restore it with `kaunta restore {backup}`.</source>
        <comment>store.upgrade_not_put_back</comment>
        <translation>Kurudisha nakala iliyofanywa kabla tu ({backup}) kumeshindikana pia: irejeshe kwa `kaunta restore {backup}`.</translation>
    </message>
    <message>
        <source>Quantity must be a whole number.</source>
        <translation>Idadi lazima iwe namba kamili.</translation>
    </message>
    <message>
        <source>Quantity must be at least 1. To take an item off, remove the line.</source>
        <translation>Idadi lazima iwe angalau 1. Kuondoa bidhaa, ondoa mstari wake.</translation>
    </message>
    <message>
        <source>Quantity {quantity} is too large (at most {limit}).</source>
        <comment>sale.quantity_too_large</comment>
        <translation>Idadi {quantity} ni kubwa mno (isizidi {limit}).</translation>
    </message>
    <message>
        <source>REFUND</source>
        <comment>refund.receipt.title</comment>
        <translation>MAREJESHO</translation>
    </message>
    <message>
        <source>REFUND {currency}</source>
        <comment>refund.receipt.total</comment>
        <translation>MAREJESHO {currency}</translation>
    </message>
    <message>
        <source>REFUNDS WAITING</source>
        <translation>MAREJESHO YANAYOSUBIRI</translation>
    </message>
    <message>
        <source>RETURN</source>
        <comment>refund.receipt.return_title</comment>
        <translation>MAREJESHO YA BIDHAA</translation>
    </message>
    <message>
        <source>Reason: {reason}</source>
        <comment>receipt.reason</comment>
        <translation>Sababu: {reason}</translation>
    </message>
    <message>
        <source>Receipt</source>
        <comment>receipt.receipt</comment>
        <translation>Risiti</translation>
    </message>
    <message>
        <source>Receipt counter</source>
        <translation>Kihesabu cha risiti</translation>
    </message>
    <message>
        <source>Receipt {number} has no line {line}.</source>
        <comment>refund_no_line</comment>
        <translation>Risiti {number} haina mstari {line}.</translation>
    </message>
    <message>
        <source>Receipt {number} was voided: nothing was paid to refund.</source>
        <comment>refund_voided</comment>
        <translation>Risiti {number} ilifutwa: hakuna kilicholipwa cha kurejesha.</translation>
    </message>
    <message>
        <source>Receipt {receipt} is a sale of another store: a till refunds its own store's sales only.</source>
        <comment>hq_refund_other_store</comment>
        <translation>Risiti {receipt} ni mauzo ya duka lingine: kaunta hufanya marejesho ya mauzo ya duka lake tu.</translation>
    </message>
    <message>
        <source>Receipt {receipt} is in {sale_currency}, this refund in {currency}.</source>
        <comment>hq_refund_currency</comment>
        <translation>Risiti {receipt} iko kwa {sale_currency}, marejesho haya kwa {currency}.</translation>
    </message>
    <message>
        <source>Receipt {receipt} was voided; there is nothing to refund.</source>
        <comment>hq_refund_voided</comment>
        <translation>Risiti {receipt} ilibatilishwa; hakuna cha kurudisha.</translation>
    </message>
    <message>
        <source>Receipt {receipt}: refunds would add up to more than the sale's total.</source>
        <comment>hq_refund_total_over</comment>
        <translation>Risiti {receipt}: marejesho yangezidi jumla ya mauzo.</translation>
    </message>
    <message>
        <source>Ref</source>
        <comment>receipt.ref</comment>
        <translation>Kumb.</translation>
    </message>
    <message>
        <source>Refund</source>
        <comment>refund.receipt.refund</comment>
        <translation>Marejesho</translation>
    </message>
    <message>
        <source>Refund attempt {attempt} is {state}: it cannot become {to}.</source>
        <comment>refund_attempt.cannot_move</comment>
        <translation>Jaribio la kurejesha pesa {attempt} liko {state}: haliwezi kuwa {to}.</translation>
    </message>
    <message>
        <source>Refund attempt {attempt} was moved meanwhile.</source>
        <comment>refund_attempt.moved_meanwhile</comment>
        <translation>Jaribio la kurejesha pesa {attempt} limebadilishwa na mwingine wakati huo huo.</translation>
    </message>
    <message>
        <source>Refund {refund_id}</source>
        <comment>refund.receipt.refund_id</comment>
        <translation>Marejesho {refund_id}</translation>
    </message>
    <message>
        <source>Refunded to the card.</source>
        <translation>Pesa zimerudishwa kwenye kadi.</translation>
    </message>
    <message>
        <source>Refunds</source>
        <translation>Marejesho</translation>
    </message>
    <message>
        <source>Refunds still waiting on this till: {count}; the first is {amount} by {method}. The money may already be back with the customer, and the Z report would leave it out. Resolve each from the refund dialog (Check again, or settle by hand), then make the Z.</source>
        <comment>z_refunds_waiting</comment>
        <translation>Marejesho ambayo bado yanasubiri kwenye kaunta hii: {count}; la kwanza ni {amount} kwa {method}. Huenda pesa tayari zimerudi kwa mteja, na ripoti ya Z ingeyaacha nje. Shughulikia kila moja kutoka kwenye dirisha la marejesho (Angalia tena, au maliza kwa mkono), kisha utengeneze Z.</translation>
    </message>
    <message>
        <source>Refunds still waiting on this till: {count}; the first is {amount} by {method}. The money may already be back with the customer, and the shift close would leave it out. Resolve each from the refund dialog (Check again, or settle by hand), then close.</source>
        <comment>shift_refunds_waiting</comment>
        <translation>Marejesho ambayo bado yanasubiri kwenye kaunta hii: {count}; la kwanza ni {amount} kwa {method}. Huenda pesa tayari zimerudi kwa mteja, na kufunga zamu kungeyaacha nje. Shughulikia kila moja kutoka kwenye dirisha la marejesho (Angalia tena, au maliza kwa mkono), kisha ufunge.</translation>
    </message>
    <message>
        <source>Removing an item after payment started</source>
        <translation>Kuondoa bidhaa baada ya malipo kuanza</translation>
    </message>
    <message>
        <source>Restoring {source} failed ({detail}); see {folder}.</source>
        <comment>restore.failed</comment>
        <translation>Kurejesha {source} kumeshindikana ({detail}); angalia {folder}.</translation>
    </message>
    <message>
        <source>Return without a receipt</source>
        <comment>refund.receipt.no_receipt</comment>
        <translation>Kurudisha bila risiti</translation>
    </message>
    <message>
        <source>SKU {value} is also on line {other}</source>
        <comment>catalog.import.sku_twice</comment>
        <translation>SKU {value} iko pia kwenye mstari {other}</translation>
    </message>
    <message>
        <source>SKU {value} is missing or has characters other than letters, digits, . _ / -</source>
        <comment>catalog.import.sku_bad</comment>
        <translation>SKU {value} haipo au ina herufi zisizo herufi, tarakimu, . _ / -</translation>
    </message>
    <message>
        <source>Sale {sale_id}</source>
        <comment>receipt.sale</comment>
        <translation>Mauzo {sale_id}</translation>
    </message>
    <message>
        <source>Saved sale refused: it is damaged ({kind}: {detail}).</source>
        <comment>snapshot.damaged</comment>
        <translation>Mauzo yaliyohifadhiwa yamekataliwa: yameharibika ({kind}: {detail}).</translation>
    </message>
    <message>
        <source>Saved sale refused: {field} is in {code} but the sale is in {currency}; currencies never mix.</source>
        <comment>snapshot.mixed_currency</comment>
        <translation>Mauzo yaliyohifadhiwa yamekataliwa: {field} iko kwa {code} lakini mauzo yako kwa {currency}; sarafu hazichanganywi kamwe.</translation>
    </message>
    <message>
        <source>Saved sale refused: {field} is not an amount.</source>
        <comment>snapshot.not_an_amount</comment>
        <translation>Mauzo yaliyohifadhiwa yamekataliwa: {field} si kiasi.</translation>
    </message>
    <message>
        <source>Saved sale refused: {field} is not text.</source>
        <comment>snapshot.not_text</comment>
        <translation>Mauzo yaliyohifadhiwa yamekataliwa: {field} si maandishi.</translation>
    </message>
    <message>
        <source>Saved sale refused: {name}: {reason}</source>
        <comment>snapshot.line_refused</comment>
        <translation>Mauzo yaliyohifadhiwa yamekataliwa: {name}: {reason}</translation>
    </message>
    <message>
        <source>Saved sale refused: {reason}</source>
        <comment>snapshot.refused</comment>
        <translation>Mauzo yaliyohifadhiwa yamekataliwa: {reason}</translation>
    </message>
    <message>
        <source>Say in a few words why this is refunded.</source>
        <translation>Eleza kwa maneno machache kwa nini pesa zinarejeshwa.</translation>
    </message>
    <message>
        <source>Say whose credit this is (customer name or phone) in the note.</source>
        <translation>Andika kwenye maelezo salio hili ni la nani (jina la mteja au simu).</translation>
    </message>
    <message>
        <source>Scan later for the signed invoice</source>
        <translation>Skani baadaye kupata ankara iliyosainiwa</translation>
    </message>
    <message>
        <source>Scan or type the items that come back.</source>
        <translation>Skani au andika bidhaa zinazorudishwa.</translation>
    </message>
    <message>
        <source>Sending the amount to the card terminal…</source>
        <translation>Inatuma kiasi kwenye mashine ya kadi…</translation>
    </message>
    <message>
        <source>Settling a late payment (refund or credit)</source>
        <translation>Kumaliza malipo yaliyochelewa (kurejesha au salio)</translation>
    </message>
    <message>
        <source>Settling a refund by hand</source>
        <translation>Kumaliza marejesho kwa mkono</translation>
    </message>
    <message>
        <source>Shift {number} is already open on this till: close it first.</source>
        <comment>shift_already_open</comment>
        <translation>Zamu {number} tayari iko wazi kwenye till hii: ifunge kwanza.</translation>
    </message>
    <message>
        <source>Shift {number} is still open: close it (count the drawer) before the Z.</source>
        <comment>z_shift_open</comment>
        <translation>Zamu {number} bado iko wazi: ifunge (hesabu droo) kabla ya Z.</translation>
    </message>
    <message>
        <source>Shifts</source>
        <translation>Zamu</translation>
    </message>
    <message>
        <source>Stopped waiting. The {method} request is still checked in the background; if the customer pays after all, the manager is alerted.</source>
        <comment>payments.stopped_waiting</comment>
        <translation>Imeacha kusubiri. Ombi la {method} bado linakaguliwa chinichini; mteja akilipa hata hivyo, meneja ataarifiwa.</translation>
    </message>
    <message>
        <source>Subtotal (1 item)</source>
        <comment>receipt.subtotal#one</comment>
        <translation>Jumla ndogo (bidhaa 1)</translation>
    </message>
    <message>
        <source>Subtotal ({count} items)</source>
        <comment>receipt.subtotal#other</comment>
        <translation>Jumla ndogo (bidhaa {count})</translation>
    </message>
    <message>
        <source>TAMPERED: a stored KRA signature does not verify (run kaunta verify)</source>
        <translation>IMECHEZEWA: sahihi ya KRA iliyohifadhiwa haithibitiki (endesha kaunta verify)</translation>
    </message>
    <message>
        <source>TO PAY</source>
        <comment>receipt.to_pay</comment>
        <translation>YA KULIPA</translation>
    </message>
    <message>
        <source>TOTAL {currency}</source>
        <comment>receipt.total</comment>
        <translation>JUMLA {currency}</translation>
    </message>
    <message>
        <source>TRAINING - NOT A REAL REPORT</source>
        <translation>MAFUNZO - SI RIPOTI HALISI</translation>
    </message>
    <message>
        <source>TRAINING - NOT A VALID RECEIPT</source>
        <comment>receipt.training_short</comment>
        <translation>MAFUNZO - SI RISITI HALALI</translation>
    </message>
    <message>
        <source>TRAINING - signed by the simulator</source>
        <translation>MAFUNZO - imesainiwa na simulator</translation>
    </message>
    <message>
        <source>Tax</source>
        <translation>Kodi</translation>
    </message>
    <message>
        <source>Taxable</source>
        <translation>Kinachotozwa</translation>
    </message>
    <message>
        <source>Tel {phone}</source>
        <comment>receipt.tel</comment>
        <translation>Simu {phone}</translation>
    </message>
    <message>
        <source>Tenders</source>
        <translation>Njia za malipo</translation>
    </message>
    <message>
        <source>Terminal</source>
        <translation>Till</translation>
    </message>
    <message>
        <source>Terminal malfunction.</source>
        <translation>Mashine ina hitilafu.</translation>
    </message>
    <message>
        <source>Terminal {terminal_id}</source>
        <comment>receipt.card_terminal</comment>
        <translation>Mashine ya kadi {terminal_id}</translation>
    </message>
    <message>
        <source>That Z report is not on this till.</source>
        <comment>z_unknown</comment>
        <translation>Ripoti hiyo ya Z haipo kwenye till hii.</translation>
    </message>
    <message>
        <source>That amount is too large.</source>
        <translation>Kiasi hicho ni kikubwa mno.</translation>
    </message>
    <message>
        <source>That approval has expired; ask for the PIN again.</source>
        <translation>Idhini hiyo imepitwa na wakati; omba PIN tena.</translation>
    </message>
    <message>
        <source>That approval is not valid; ask for the PIN again.</source>
        <translation>Idhini hiyo si halali; omba PIN tena.</translation>
    </message>
    <message>
        <source>That approval was given for something else.</source>
        <translation>Idhini hiyo ilitolewa kwa jambo lingine.</translation>
    </message>
    <message>
        <source>That is more than what is left to refund on this PayPal payment.</source>
        <translation>Hicho ni zaidi ya kilichobaki kurudishwa kwenye malipo haya ya PayPal.</translation>
    </message>
    <message>
        <source>That is not a date (YYYY-MM-DD): {problem}</source>
        <comment>daily_not_a_date</comment>
        <translation>Hiyo si tarehe (YYYY-MM-DD): {problem}</translation>
    </message>
    <message>
        <source>That is not the code head office made for this person. Check it (letters and digits in four groups) and try again.</source>
        <comment>pin_setup_wrong</comment>
        <translation>Huo si msimbo ambao ofisi kuu ilimtengenezea mtu huyu. Uangalie (herufi na tarakimu katika makundi manne) kisha ujaribu tena.</translation>
    </message>
    <message>
        <source>That late payment is gone (settled already?).</source>
        <translation>Malipo hayo yaliyochelewa hayapo tena (yameshamalizwa?).</translation>
    </message>
    <message>
        <source>That line is no longer in the basket.</source>
        <translation>Mstari huo haupo tena kikapuni.</translation>
    </message>
    <message>
        <source>That parked sale is gone (recalled on another screen?).</source>
        <translation>Mauzo hayo yaliyowekwa kando hayapo tena (yamerudishwa kwenye skrini nyingine?).</translation>
    </message>
    <message>
        <source>That payment attempt is unknown on this till.</source>
        <translation>Jaribio hilo la malipo halijulikani kwenye till hii.</translation>
    </message>
    <message>
        <source>That payment belongs to another sale.</source>
        <translation>Malipo hayo ni ya mauzo mengine.</translation>
    </message>
    <message>
        <source>That product is no longer in the catalog.</source>
        <translation>Bidhaa hiyo haipo tena kwenye orodha.</translation>
    </message>
    <message>
        <source>That product is not in this till's catalog.</source>
        <translation>Bidhaa hiyo haimo kwenye orodha ya bidhaa ya till hii.</translation>
    </message>
    <message>
        <source>That receipt is not in this till's journal.</source>
        <translation>Risiti hiyo haimo kwenye daftari la till hii.</translation>
    </message>
    <message>
        <source>That refund is not in this till's journal.</source>
        <translation>Urejeshaji huo wa pesa haumo kwenye daftari la till hii.</translation>
    </message>
    <message>
        <source>That refund is not waiting for an answer on this till.</source>
        <translation>Marejesho hayo hayasubiri jibu kwenye mashine hii.</translation>
    </message>
    <message>
        <source>That request is not on this phone any more.</source>
        <translation>Ombi hilo halipo tena kwenye simu hii.</translation>
    </message>
    <message>
        <source>That sale is not in this till's journal.</source>
        <translation>Mauzo hayo hayamo kwenye daftari la till hii.</translation>
    </message>
    <message>
        <source>That sale is not in this till's journal: look it up again (head office finds it).</source>
        <comment>refund_remote_forgotten</comment>
        <translation>Mauzo hayo hayapo kwenye kumbukumbu za kaunta hii: yatafute tena (ofisi kuu itayapata).</translation>
    </message>
    <message>
        <source>That user is not on this till.</source>
        <translation>Mtumiaji huyo hayupo kwenye till hii.</translation>
    </message>
    <message>
        <source>The PIN pepper could not be stored as {name}: {detail}</source>
        <comment>auth.pepper_not_stored</comment>
        <translation>PIN pepper haikuweza kuhifadhiwa kama {name}: {detail}</translation>
    </message>
    <message>
        <source>The PIN pepper kept as {name} is damaged (not a key), so no PIN can be checked. Restore it from the till's backup of its keys; call support.</source>
        <comment>auth.pepper_damaged</comment>
        <translation>PIN pepper iliyohifadhiwa kama {name} imeharibika (si ufunguo), kwa hiyo hakuna PIN inayoweza kukaguliwa. Irudishe kutoka nakala ya akiba ya funguo za till; piga simu kwa msaada.</translation>
    </message>
    <message>
        <source>The Z report (end of day)</source>
        <comment>z_approve</comment>
        <translation>Ripoti Z (mwisho wa siku)</translation>
    </message>
    <message>
        <source>The amount is too large for PayPal.</source>
        <translation>Kiasi ni kikubwa mno kwa PayPal.</translation>
    </message>
    <message>
        <source>The amount must be more than zero.</source>
        <translation>Kiasi lazima kiwe zaidi ya sifuri.</translation>
    </message>
    <message>
        <source>The amount to pay must be more than zero.</source>
        <translation>Kiasi cha kulipa lazima kiwe zaidi ya sifuri.</translation>
    </message>
    <message>
        <source>The bank's host does not answer. Try again, or take another method.</source>
        <translation>Mfumo wa benki haujibu. Jaribu tena, au tumia njia nyingine ya malipo.</translation>
    </message>
    <message>
        <source>The basket is empty: scan an item first.</source>
        <translation>Kikapu ni kitupu: skani bidhaa kwanza.</translation>
    </message>
    <message>
        <source>The basket is empty: there is nothing to void.</source>
        <translation>Kikapu ni kitupu: hakuna cha kufuta.</translation>
    </message>
    <message>
        <source>The buyer's name is too long: at most {limit} characters.</source>
        <comment>buyer.name_too_long</comment>
        <translation>Jina la mnunuzi ni refu mno: herufi {limit} zisizidi.</translation>
    </message>
    <message>
        <source>The card could not be read.</source>
        <translation>Kadi haikusomeka.</translation>
    </message>
    <message>
        <source>The card could not be read. Ask the customer to insert it again.</source>
        <translation>Kadi haikusomeka. Mwombe mteja aiingize tena.</translation>
    </message>
    <message>
        <source>The card data is missing. Try the card again.</source>
        <translation>Taarifa za kadi hazipo. Jaribu kadi tena.</translation>
    </message>
    <message>
        <source>The card data is wrong. Try again or use another card.</source>
        <translation>Taarifa za kadi si sahihi. Jaribu tena au tumia kadi nyingine.</translation>
    </message>
    <message>
        <source>The card has expired.</source>
        <translation>Muda wa kadi umekwisha.</translation>
    </message>
    <message>
        <source>The card has expired. Ask for another card.</source>
        <translation>Muda wa kadi umekwisha. Omba kadi nyingine.</translation>
    </message>
    <message>
        <source>The card is blocked. Ask for another card or another way to pay.</source>
        <translation>Kadi imezuiwa. Omba kadi nyingine au njia nyingine ya kulipa.</translation>
    </message>
    <message>
        <source>The card is not valid yet. Ask for another card.</source>
        <translation>Kadi bado haijaanza kutumika. Omba kadi nyingine.</translation>
    </message>
    <message>
        <source>The card is unknown to the terminal. Ask for another card.</source>
        <translation>Mashine haiitambui kadi hii. Omba kadi nyingine.</translation>
    </message>
    <message>
        <source>The card terminal answers (it gave no terminal id).</source>
        <translation>Mashine ya kadi inajibu (haikutoa nambari ya mashine).</translation>
    </message>
    <message>
        <source>The card terminal answers (terminal id {terminal_id}).</source>
        <comment>card_zvt.answers</comment>
        <translation>Mashine ya kadi inajibu (nambari ya mashine {terminal_id}).</translation>
    </message>
    <message>
        <source>The card terminal approved nothing after receipt {receipt}, noted before the refund was sent: the refund did not go through.</source>
        <comment>card_zvt.not_refunded_after</comment>
        <translation>Mashine ya kadi haikuidhinisha chochote baada ya risiti {receipt}, iliyonakiliwa kabla ya kutuma marejesho: marejesho hayakufanyika.</translation>
    </message>
    <message>
        <source>The card terminal approved nothing since the refund was sent: the refund did not go through.</source>
        <translation>Mashine ya kadi haikuidhinisha chochote tangu marejesho yatumwe: marejesho hayakufanyika.</translation>
    </message>
    <message>
        <source>The card terminal approved the refund (receipt {receipt}).</source>
        <comment>card_zvt.refund_approved</comment>
        <translation>Mashine ya kadi iliidhinisha marejesho (risiti {receipt}).</translation>
    </message>
    <message>
        <source>The card terminal did not approve the refund.</source>
        <translation>Mashine ya kadi haikuidhinisha marejesho.</translation>
    </message>
    <message>
        <source>The card terminal does not answer. Check that it is on and its cable (or network) is connected, then check again.</source>
        <translation>Mashine ya kadi haijibu. Hakikisha imewashwa na kebo yake (au mtandao) imeunganishwa, kisha angalia tena.</translation>
    </message>
    <message>
        <source>The card terminal does not answer. Check that it is on and its cable (or network) is connected, then try again, or take another method.</source>
        <translation>Mashine ya kadi haijibu. Hakikisha imewashwa na kebo yake (au mtandao) imeunganishwa, kisha jaribu tena, au tumia njia nyingine ya malipo.</translation>
    </message>
    <message>
        <source>The card terminal has no payment for this attempt: nothing was charged.</source>
        <translation>Mashine ya kadi haina malipo ya jaribio hili: hakuna pesa iliyokatwa.</translation>
    </message>
    <message>
        <source>The card terminal is busy and gave no clear answer; the till asks it again.</source>
        <translation>Mashine ya kadi ina shughuli na haikutoa jibu wazi; kaunta itaiuliza tena.</translation>
    </message>
    <message>
        <source>The card terminal is still busy…</source>
        <translation>Mashine ya kadi bado ina shughuli…</translation>
    </message>
    <message>
        <source>The card terminal stopped answering during the refund.</source>
        <translation>Mashine ya kadi iliacha kujibu wakati wa kurudisha pesa.</translation>
    </message>
    <message>
        <source>The card terminal stopped answering. Check its cable and power; the till asks it what happened before anything is charged again.</source>
        <translation>Mashine ya kadi iliacha kujibu. Angalia kebo na umeme wake; kaunta itaiuliza kilichotokea kabla ya kukata pesa tena.</translation>
    </message>
    <message>
        <source>The card terminal's last transaction does not tell: look in its journal (or its end-of-day report) for a refund of {amount} after receipt {receipt}.</source>
        <comment>card_zvt.unclear_after</comment>
        <translation>Muamala wa mwisho wa mashine ya kadi hauonyeshi: tafuta kwenye kumbukumbu zake (au ripoti yake ya mwisho wa siku) marejesho ya {amount} baada ya risiti {receipt}.</translation>
    </message>
    <message>
        <source>The card terminal's last transaction does not tell: look in its journal (or its end-of-day report) for a refund of {amount}.</source>
        <comment>card_zvt.unclear</comment>
        <translation>Muamala wa mwisho wa mashine ya kadi hauonyeshi: tafuta kwenye kumbukumbu zake (au ripoti yake ya mwisho wa siku) marejesho ya {amount}.</translation>
    </message>
    <message>
        <source>The card was declined by the bank.</source>
        <translation>Benki imekataa kadi.</translation>
    </message>
    <message>
        <source>The card's chip failed. Ask the customer to try again or use another card.</source>
        <translation>Chipu ya kadi imeshindwa. Mwombe mteja ajaribu tena au atumie kadi nyingine.</translation>
    </message>
    <message>
        <source>The copy of {source} failed its check ({detail}).</source>
        <comment>restore.copy_failed_check</comment>
        <translation>Nakala ya {source} haikupita ukaguzi ({detail}).</translation>
    </message>
    <message>
        <source>The count is {difference} off what was expected: write a note saying why.</source>
        <comment>shift_note_needed</comment>
        <translation>Hesabu inatofautiana kwa {difference} na iliyotarajiwa: andika maelezo ya sababu.</translation>
    </message>
    <message>
        <source>The count of {value} must be a whole number from 0 to {maximum}.</source>
        <comment>cashup_bad_count</comment>
        <translation>Idadi ya {value} lazima iwe namba kamili kuanzia 0 hadi {maximum}.</translation>
    </message>
    <message>
        <source>The customer approved; the payment is being taken.</source>
        <translation>Mteja ameidhinisha; malipo yanachukuliwa.</translation>
    </message>
    <message>
        <source>The customer cancelled in PayPal, or the payment lapsed. Nothing was taken. Start again or take another method.</source>
        <translation>Mteja ameghairi kwenye PayPal, au muda wa malipo umeisha. Hakuna kilichochukuliwa. Anza tena au pokea kwa njia nyingine.</translation>
    </message>
    <message>
        <source>The customer cancelled on their phone. Ask them to try again or pay another way.</source>
        <translation>Mteja ameghairi kwenye simu yake. Mwombe ajaribu tena au alipe kwa njia nyingine.</translation>
    </message>
    <message>
        <source>The customer entered a wrong M-Pesa PIN. Ask them to try again with the right PIN.</source>
        <translation>Mteja ameweka PIN ya M-Pesa isiyo sahihi. Mwombe ajaribu tena kwa PIN sahihi.</translation>
    </message>
    <message>
        <source>The customer had already paid, so this PayPal payment cannot be cancelled; refund it instead if needed.</source>
        <translation>Mteja alikuwa ameshalipa, kwa hivyo malipo haya ya PayPal hayawezi kughairiwa; yarudishe badala yake ikihitajika.</translation>
    </message>
    <message>
        <source>The customer is entering their PIN…</source>
        <translation>Mteja anaingiza PIN yake…</translation>
    </message>
    <message>
        <source>The customer is using the PIN pad…</source>
        <translation>Mteja anatumia kibodi ya PIN…</translation>
    </message>
    <message>
        <source>The customer's M-Pesa balance is too low. Ask them to top up and try again, or pay another way.</source>
        <translation>Salio la M-Pesa la mteja halitoshi. Mwombe aongeze salio ajaribu tena, au alipe kwa njia nyingine.</translation>
    </message>
    <message>
        <source>The customer's PayPal account cannot be used.</source>
        <translation>Akaunti ya PayPal ya mteja haiwezi kutumika.</translation>
    </message>
    <message>
        <source>The customer's PayPal account cannot pay this.</source>
        <translation>Akaunti ya PayPal ya mteja haiwezi kulipa hiki.</translation>
    </message>
    <message>
        <source>The customer's PayPal account is restricted.</source>
        <translation>Akaunti ya PayPal ya mteja imezuiwa.</translation>
    </message>
    <message>
        <source>The customer's phone could not be reached or nobody answered the prompt. Check the phone is on, unlocked and has network, then try again.</source>
        <translation>Simu ya mteja haikupatikana au hakuna aliyejibu ombi. Hakikisha simu imewashwa, haijafungwa na ina mtandao, kisha jaribu tena.</translation>
    </message>
    <message>
        <source>The customer's phone is busy with another M-Pesa transaction. Wait a minute, then try again.</source>
        <translation>Simu ya mteja inashughulikia muamala mwingine wa M-Pesa. Subiri dakika moja, kisha jaribu tena.</translation>
    </message>
    <message>
        <source>The database file {path} is damaged or is not a Kaunta database ({detail}). Kaunta has not changed it. Close Kaunta, copy the file somewhere safe for support, then restore the latest backup or start with --data-dir pointing to a new folder.</source>
        <comment>store.corrupt</comment>
        <translation>Faili ya hifadhidata {path} imeharibika au si hifadhidata ya Kaunta ({detail}). Kaunta haijaibadilisha. Funga Kaunta, nakili faili mahali salama kwa ajili ya msaada (support), kisha rejesha nakala ya akiba ya karibuni au anzisha kwa --data-dir ikielekeza kwenye folda mpya.</translation>
    </message>
    <message>
        <source>The database file {path} is damaged or is not a Kaunta database ({detail}). Kaunta has not changed it. Close Kaunta, copy the file somewhere safe for support, then restore the latest backup or start with --data-dir pointing to a new folder. {offer}</source>
        <comment>store.corrupt_with_backup</comment>
        <translation>Faili ya hifadhidata {path} imeharibika au si hifadhidata ya Kaunta ({detail}). Kaunta haijaibadilisha. Funga Kaunta, nakili faili mahali salama kwa ajili ya msaada (support), kisha rejesha nakala ya akiba ya karibuni au anzisha kwa --data-dir ikielekeza kwenye folda mpya. {offer}</translation>
    </message>
    <message>
        <source>The database file {path} is empty (0 bytes), but a Kaunta database was kept there (the marker {marker} says so). Kaunta will not start a new, empty database in its place: receipt numbers would restart and the sales would be lost. {offer} If you really mean to start again with no data, delete {marker}.</source>
        <comment>store.empty</comment>
        <translation>Faili ya hifadhidata {path} ni tupu (baiti 0), lakini hifadhidata ya Kaunta ilikuwa hapa (alama {marker} inasema hivyo). Kaunta haitaanzisha hifadhidata mpya tupu mahali pake: namba za risiti zingeanza upya na mauzo yangepotea. {offer} Kama kweli unataka kuanza upya bila data, futa {marker}.</translation>
    </message>
    <message>
        <source>The database file {path} is missing, but a Kaunta database was kept there (the marker {marker} says so). Kaunta will not start a new, empty database in its place: receipt numbers would restart and the sales would be lost. {offer} If you really mean to start again with no data, delete {marker}.</source>
        <comment>store.missing</comment>
        <translation>Faili ya hifadhidata {path} haipo, lakini hifadhidata ya Kaunta ilikuwa hapa (alama {marker} inasema hivyo). Kaunta haitaanzisha hifadhidata mpya tupu mahali pake: namba za risiti zingeanza upya na mauzo yangepotea. {offer} Kama kweli unataka kuanza upya bila data, futa {marker}.</translation>
    </message>
    <message>
        <source>The database file {path} is not the one this till was using (it is database {found}; the marker {marker} expects {expected}). Put the right file back, or restore a backup with `kaunta restore FILE`. If you put this file there on purpose, delete {marker} and start again.</source>
        <comment>store.replaced</comment>
        <translation>Faili ya hifadhidata {path} si ile ambayo till hii ilikuwa ikitumia (ni hifadhidata {found}; alama {marker} inatarajia {expected}). Rudisha faili sahihi, au rejesha nakala ya akiba kwa `kaunta restore FILE`. Kama uliweka faili hii hapo kwa makusudi, futa {marker} na uanze tena.</translation>
    </message>
    <message>
        <source>The database {path} could not be upgraded to schema {target}: {detail}. The upgrade was rolled back and the file is as it was. Keep using the previous Kaunta version and send the file to support.</source>
        <comment>store.migration_failed</comment>
        <translation>Hifadhidata {path} haikuweza kusasishwa hadi schema {target}: {detail}. Usasishaji umerudishwa nyuma na faili iko kama ilivyokuwa. Endelea kutumia toleo la awali la Kaunta na utume faili hiyo kwa msaada (support).</translation>
    </message>
    <message>
        <source>The database {path} is busy: another program (or another Kaunta) is writing to it and did not finish in time. Nothing was saved from this action. Try again; if it repeats, close other programs using the file.</source>
        <comment>store.locked_no_timeout</comment>
        <translation>Hifadhidata {path} inatumika: programu nyingine (au Kaunta nyingine) inaiandikia na haikumaliza kwa wakati. Hakuna kilichohifadhiwa kutoka kwa kitendo hiki. Jaribu tena; likijirudia, funga programu nyingine zinazotumia faili hiyo.</translation>
    </message>
    <message>
        <source>The database {path} is busy: another program (or another Kaunta) is writing to it and did not finish within {seconds} s. Nothing was saved from this action. Try again; if it repeats, close other programs using the file.</source>
        <comment>store.locked</comment>
        <translation>Hifadhidata {path} inatumika: programu nyingine (au Kaunta nyingine) inaiandikia na haikumaliza ndani ya sekunde {seconds}. Hakuna kilichohifadhiwa kutoka kwa kitendo hiki. Jaribu tena; likijirudia, funga programu nyingine zinazotumia faili hiyo.</translation>
    </message>
    <message>
        <source>The database {path} was upgraded by a newer Kaunta (schema {revision}). Install that version again; this one cannot read it safely.</source>
        <comment>store.too_new</comment>
        <translation>Hifadhidata {path} ilisasishwa na Kaunta mpya zaidi (schema {revision}). Sakinisha toleo hilo tena; hili haliwezi kuisoma kwa usalama.</translation>
    </message>
    <message>
        <source>The discount must be in {currency}.</source>
        <comment>sale.discount_currency</comment>
        <translation>Punguzo lazima liwe kwa {currency}.</translation>
    </message>
    <message>
        <source>The disk is full: free some space on {drive}. The basket is safe; try again.</source>
        <comment>store.full</comment>
        <translation>Diski imejaa: ondoa baadhi ya faili kwenye {drive} upate nafasi. Kikapu kiko salama; jaribu tena.</translation>
    </message>
    <message>
        <source>The drawer should hold only {expected}: {amount} cannot be given back from it in cash. Give back at most {expected} in cash and the rest through another method, or have a manager pay cash in first (cash in).</source>
        <comment>refund_drawer_short</comment>
        <translation>Droo inapaswa kuwa na {expected} tu: {amount} haziwezi kurudishwa kutoka humo kwa pesa taslimu. Rudisha pesa taslimu zisizozidi {expected} na zilizobaki kwa njia nyingine, au meneja aweke pesa droo kwanza (weka pesa).</translation>
    </message>
    <message>
        <source>The drawer should hold {expected}; {amount} cannot be taken out of it.</source>
        <comment>shift_not_in_drawer</comment>
        <translation>Droo inapaswa kuwa na {expected}; {amount} haziwezi kutolewa ndani yake.</translation>
    </message>
    <message>
        <source>The first day ({first}) is after the last ({last}).</source>
        <comment>daily_bad_range</comment>
        <translation>Siku ya kwanza ({first}) ni baada ya ya mwisho ({last}).</translation>
    </message>
    <message>
        <source>The head office cannot be reached ({detail}). Check the address and the network, then try again.</source>
        <comment>enroll_unreachable</comment>
        <translation>Ofisi kuu haifikiki ({detail}). Angalia anwani na mtandao, kisha ujaribu tena.</translation>
    </message>
    <message>
        <source>The head office did not accept the code ({detail}). Check it, or make a new code at head office (Stores, Make an enrollment code); each code works once, for 24 hours.</source>
        <comment>enroll_bad_code</comment>
        <translation>Ofisi kuu haikukubali msimbo ({detail}). Uangalie, au tengeneza msimbo mpya kwenye ofisi kuu (Maduka, Tengeneza msimbo wa usajili); kila msimbo unafanya kazi mara moja, kwa saa 24.</translation>
    </message>
    <message>
        <source>The head office refused the enrollment: {detail}</source>
        <comment>enroll_refused</comment>
        <translation>Ofisi kuu imekataa usajili: {detail}</translation>
    </message>
    <message>
        <source>The head office's certificate is not trusted ({detail}). Check the address, or give the CA bundle file your IT department provides.</source>
        <comment>enroll_tls</comment>
        <translation>Cheti cha ofisi kuu hakiaminiwi ({detail}). Angalia anwani, au toa faili ya CA unayopewa na idara ya TEHAMA.</translation>
    </message>
    <message>
        <source>The latest good backup is {backup}: restore it with `kaunta restore {backup}`.</source>
        <comment>store.latest_backup</comment>
        <translation>Nakala ya akiba nzuri ya karibuni ni {backup}: irejeshe kwa `kaunta restore {backup}`.</translation>
    </message>
    <message>
        <source>The payment method {code} is not set up on this till.</source>
        <comment>payments.not_set_up</comment>
        <translation>Njia ya malipo {code} haijawekwa kwenye till hii.</translation>
    </message>
    <message>
        <source>The payment must be applied in {currency}.</source>
        <comment>sale.payment_currency</comment>
        <translation>Malipo lazima yawekwe kwa {currency}.</translation>
    </message>
    <message>
        <source>The payment request expired before the customer answered. Try again.</source>
        <translation>Ombi la malipo limeisha muda kabla mteja hajajibu. Jaribu tena.</translation>
    </message>
    <message>
        <source>The payment was aborted (timeout or the abort key). Nothing was charged.</source>
        <translation>Malipo yamesitishwa (muda umekwisha au kitufe cha kusitisha). Hakuna pesa iliyokatwa.</translation>
    </message>
    <message>
        <source>The price must be in {currency}.</source>
        <comment>sale.price_currency</comment>
        <translation>Bei lazima iwe kwa {currency}.</translation>
    </message>
    <message>
        <source>The price must be more than zero, in {currency}.</source>
        <comment>product_price_above_zero</comment>
        <translation>Bei lazima iwe zaidi ya sifuri, kwa {currency}.</translation>
    </message>
    <message>
        <source>The refund was refused: {problem}</source>
        <comment>refund_gateway_failed</comment>
        <translation>Marejesho yamekataliwa: {problem}</translation>
    </message>
    <message>
        <source>The refund was refused: {problem} Already given back: {given}.</source>
        <comment>refund_gateway_failed_after</comment>
        <translation>Marejesho yamekataliwa: {problem} Zimesharudishwa: {given}.</translation>
    </message>
    <message>
        <source>The reversal is not possible (too late, or the receipt number is wrong).</source>
        <translation>Kurudisha malipo hakuwezekani (muda umepita, au nambari ya risiti si sahihi).</translation>
    </message>
    <message>
        <source>The sale's payments have only {left} left to give back, not {amount}.</source>
        <comment>refund_payments_left</comment>
        <translation>Malipo ya mauzo haya yana {left} tu za kurudisha, si {amount}.</translation>
    </message>
    <message>
        <source>The shop has used up its M-Pesa request quota for now. Wait a minute and try again, or pay another way.</source>
        <translation>Duka limemaliza kikomo chake cha maombi ya M-Pesa kwa sasa. Subiri dakika moja ujaribu tena, au lipa kwa njia nyingine.</translation>
    </message>
    <message>
        <source>The shop's PayPal account is restricted: the manager must contact PayPal. Take another method.</source>
        <translation>Akaunti ya PayPal ya duka imezuiwa: meneja lazima awasiliane na PayPal. Pokea kwa njia nyingine.</translation>
    </message>
    <message>
        <source>The shop's PayPal account may not do this. Ask the manager to check it with PayPal.</source>
        <translation>Akaunti ya PayPal ya duka hairuhusiwi kufanya hivi. Mwombe meneja aangalie suala hili na PayPal.</translation>
    </message>
    <message>
        <source>The store code and till number cannot be changed after set-up: they begin every receipt number and seal the journal.</source>
        <comment>shop_details.identity</comment>
        <translation>Msimbo wa duka na nambari ya kaunta haviwezi kubadilishwa baada ya kuanzisha: vinaanza kila nambari ya risiti na kufunga daftari.</translation>
    </message>
    <message>
        <source>The terminal asks to wait. Try again in a moment.</source>
        <translation>Mashine inaomba usubiri. Jaribu tena baada ya muda mfupi.</translation>
    </message>
    <message>
        <source>The terminal cannot do that now.</source>
        <translation>Mashine haiwezi kufanya hivyo sasa.</translation>
    </message>
    <message>
        <source>The terminal could not reach the bank. Try again, or take another method.</source>
        <translation>Mashine haikuweza kufikia benki. Jaribu tena, au tumia njia nyingine ya malipo.</translation>
    </message>
    <message>
        <source>The terminal does not take this currency.</source>
        <translation>Mashine haipokei sarafu hii.</translation>
    </message>
    <message>
        <source>The terminal had a processing error. Try again.</source>
        <translation>Mashine ilipata hitilafu ya kuchakata. Jaribu tena.</translation>
    </message>
    <message>
        <source>The terminal has no connection. Check its network or phone line.</source>
        <translation>Mashine haina muunganisho. Angalia mtandao wake au laini ya simu.</translation>
    </message>
    <message>
        <source>The terminal has not confirmed the abort yet; the till keeps asking it.</source>
        <translation>Mashine bado haijathibitisha kusitisha; kaunta inaendelea kuiuliza.</translation>
    </message>
    <message>
        <source>The terminal is missing a key: call the terminal's support.</source>
        <translation>Mashine inakosa ufunguo wa usalama: piga simu kwa huduma ya mashine.</translation>
    </message>
    <message>
        <source>The terminal is running its end of day…</source>
        <translation>Mashine inafanya mwisho wa siku…</translation>
    </message>
    <message>
        <source>The terminal is sending an automatic reversal…</source>
        <translation>Mashine inatuma urejeshaji wa moja kwa moja…</translation>
    </message>
    <message>
        <source>The terminal is sending post-bookings…</source>
        <translation>Mashine inatuma miamala iliyobaki…</translation>
    </message>
    <message>
        <source>The terminal is working…</source>
        <translation>Mashine inashughulikia…</translation>
    </message>
    <message>
        <source>The terminal refused the payment (code {code}). Try again or use another card.</source>
        <comment>card_zvt.refused_code</comment>
        <translation>Mashine ilikataa malipo (msimbo {code}). Jaribu tena au tumia kadi nyingine.</translation>
    </message>
    <message>
        <source>The terminal refused the till's message (protocol error).</source>
        <translation>Mashine ilikataa ujumbe wa kaunta (hitilafu ya itifaki).</translation>
    </message>
    <message>
        <source>The terminal reported a system error. Restart it and try again.</source>
        <translation>Mashine imeripoti hitilafu ya mfumo. Iwashe upya na ujaribu tena.</translation>
    </message>
    <message>
        <source>The terminal's receiver is not ready.</source>
        <translation>Kipokezi cha mashine hakijawa tayari.</translation>
    </message>
    <message>
        <source>The terminal's transaction memory is full: run end of day, then try again.</source>
        <translation>Kumbukumbu ya miamala ya mashine imejaa: fanya mwisho wa siku, kisha jaribu tena.</translation>
    </message>
    <message>
        <source>The till asks the terminal again.</source>
        <translation>Kaunta inaiuliza mashine tena.</translation>
    </message>
    <message>
        <source>The till did not note the terminal's last receipt before this refund: look in the terminal's journal for it.</source>
        <translation>Kaunta haikunakili risiti ya mwisho ya mashine kabla ya marejesho haya: yatafute kwenye kumbukumbu za mashine.</translation>
    </message>
    <message>
        <source>The till has no notes and coins for {currency}: it cannot count.</source>
        <comment>cashup_no_denominations</comment>
        <translation>Till haina noti na sarafu za {currency}: haiwezi kuhesabu.</translation>
    </message>
    <message>
        <source>The till is registered at the card terminal.</source>
        <translation>Kaunta imesajiliwa kwenye mashine ya kadi.</translation>
    </message>
    <message>
        <source>The till never got {method}'s answer to this request. If the customer paid, the payment will show up as a late payment for the manager.</source>
        <comment>payments.never_answered</comment>
        <translation>Till haikupata jibu la {method} kwa ombi hili. Ikiwa mteja alilipa, malipo yataonekana kama malipo yaliyochelewa kwa meneja.</translation>
    </message>
    <message>
        <source>The till stopped before it sent this refund to {label}. Press Check again: nothing went back, and the sale can then be refunded again.</source>
        <comment>refund_todo_not_sent</comment>
        <translation>Mashine hii ilisimama kabla ya kutuma marejesho haya kwa {label}. Bonyeza Angalia tena: hakuna kilichorudi, na mauzo haya yanaweza kisha kurejeshwa tena.</translation>
    </message>
    <message>
        <source>The training phone cannot reach the sandbox: {detail}</source>
        <comment>training.unreachable</comment>
        <translation>Simu ya mafunzo haiwezi kufikia sandbox: {detail}</translation>
    </message>
    <message>
        <source>The training phone could not answer: {detail}</source>
        <comment>training.no_answer</comment>
        <translation>Simu ya mafunzo haikuweza kujibu: {detail}</translation>
    </message>
    <message>
        <source>The two PINs are not the same: type them again.</source>
        <comment>pin_setup_differ</comment>
        <translation>PIN mbili hazifanani: ziandike tena.</translation>
    </message>
    <message>
        <source>The two PINs are not the same; type the new PIN twice.</source>
        <translation>PIN mbili hazifanani; andika PIN mpya mara mbili.</translation>
    </message>
    <message>
        <source>There is no backup of it in the backups folder beside it.</source>
        <translation>Hakuna nakala ya akiba yake kwenye folda ya backups iliyo kando yake.</translation>
    </message>
    <message>
        <source>There is no config file at {path}: this till was not set up with the set-up wizard.</source>
        <comment>shop_details.no_file</comment>
        <translation>Hakuna faili ya mipangilio kwenye {path}: kaunta hii haikuanzishwa kwa mchawi wa kuanzisha.</translation>
    </message>
    <message>
        <source>There is no database at {path} yet: nothing to back up.</source>
        <comment>backup.no_database_yet</comment>
        <translation>Bado hakuna hifadhidata kwenye {path}: hakuna cha kuwekea nakala ya akiba.</translation>
    </message>
    <message>
        <source>There is no eTIMS tampering finding to acknowledge.</source>
        <comment>etims.tampered.ack_nothing</comment>
        <translation>Hakuna ugunduzi wa kuchezewa kwa eTIMS wa kuthibitisha.</translation>
    </message>
    <message>
        <source>There is no open sale: scan an item to start one.</source>
        <translation>Hakuna mauzo yaliyo wazi: skani bidhaa kuanza mauzo.</translation>
    </message>
    <message>
        <source>There is no refund attempt {attempt}.</source>
        <comment>refund_attempt.unknown</comment>
        <translation>Hakuna jaribio la kurejesha pesa {attempt}.</translation>
    </message>
    <message>
        <source>This PIN cannot be checked: it was saved with PIN pepper {pepper_id}, which this till does not have (its key store has no {secret} of that id). Restore the till's keys from its backup; call support.</source>
        <comment>auth.pepper_missing</comment>
        <translation>PIN hii haiwezi kukaguliwa: ilihifadhiwa kwa PIN pepper {pepper_id}, ambayo till hii haina (hifadhi yake ya funguo haina {secret} yenye kitambulisho hicho). Rudisha funguo za till kutoka nakala yake ya akiba; piga simu kwa msaada.</translation>
    </message>
    <message>
        <source>This PIN set-up code has expired: ask head office for a new one.</source>
        <comment>pin_setup_expired</comment>
        <translation>Msimbo huu wa kuweka PIN umeisha muda wake: omba mpya kutoka ofisi kuu.</translation>
    </message>
    <message>
        <source>This PayPal payment has already been fully refunded.</source>
        <translation>Malipo haya ya PayPal yamesharudishwa yote.</translation>
    </message>
    <message>
        <source>This PayPal payment is no longer open (it lapsed). Nothing was taken. Start again or take another method.</source>
        <translation>Malipo haya ya PayPal hayako wazi tena (muda wake umeisha). Hakuna kilichochukuliwa. Anza tena au pokea kwa njia nyingine.</translation>
    </message>
    <message>
        <source>This PayPal payment is too old to refund through PayPal. Refund another way.</source>
        <translation>Malipo haya ya PayPal ni ya zamani mno kurudishwa kupitia PayPal. Rudisha kwa njia nyingine.</translation>
    </message>
    <message>
        <source>This PayPal payment was never taken.</source>
        <translation>Malipo haya ya PayPal hayakuwahi kuchukuliwa.</translation>
    </message>
    <message>
        <source>This PayPal payment was refunded in full at PayPal: nothing was kept.</source>
        <translation>Malipo haya ya PayPal yalirudishwa yote kwenye PayPal: hakuna kilichobaki.</translation>
    </message>
    <message>
        <source>This card type is not allowed for this payment.</source>
        <translation>Aina hii ya kadi hairuhusiwi kwa malipo haya.</translation>
    </message>
    <message>
        <source>This function is switched off on the terminal.</source>
        <translation>Huduma hii imezimwa kwenye mashine.</translation>
    </message>
    <message>
        <source>This is over the customer's PayPal limit.</source>
        <translation>Hiki kinazidi kikomo cha PayPal cha mteja.</translation>
    </message>
    <message>
        <source>This payment was already reversed.</source>
        <translation>Malipo haya yamesharudishwa.</translation>
    </message>
    <message>
        <source>This sale changed since the refund was sent (another refund?): the refund is not recorded. Tell head office what the terminal shows.</source>
        <comment>refund_plan_changed</comment>
        <translation>Mauzo haya yamebadilika tangu marejesho yatumwe (marejesho mengine?): marejesho hayajarekodiwa. Iambie ofisi kuu kinachoonyeshwa na mashine ya kadi.</translation>
    </message>
    <message>
        <source>This sale is completed; it cannot be changed.</source>
        <comment>sale.not_open.completed</comment>
        <translation>Mauzo haya yamekamilika; hayawezi kubadilishwa.</translation>
    </message>
    <message>
        <source>This sale is parked; it cannot be changed.</source>
        <comment>sale.not_open.parked</comment>
        <translation>Mauzo haya yamewekwa kando; hayawezi kubadilishwa.</translation>
    </message>
    <message>
        <source>This sale is voided; it cannot be changed.</source>
        <comment>sale.not_open.voided</comment>
        <translation>Mauzo haya yamefutwa; hayawezi kubadilishwa.</translation>
    </message>
    <message>
        <source>This sale was already finished as receipt {number}; it cannot be changed or paid again. Start a new sale; F9 shows the last receipt.</source>
        <comment>checkout.already_finished</comment>
        <translation>Mauzo haya yalishakamilika kama risiti {number}; hayawezi kubadilishwa wala kulipwa tena. Anza mauzo mapya; F9 inaonyesha risiti ya mwisho.</translation>
    </message>
    <message>
        <source>This sale was refunded meanwhile; look at it again before refunding.</source>
        <translation>Mauzo haya yamerejeshewa pesa wakati huo huo; yaangalie tena kabla ya kurejesha pesa.</translation>
    </message>
    <message>
        <source>This till is enrolled: head office owns its products. Change them at head office; they arrive with the next sync.</source>
        <comment>products_owned_by_head_office</comment>
        <translation>Mashine hii imesajiliwa: bidhaa zake ni za ofisi kuu. Zibadilishe ofisi kuu; zitafika na usawazishaji ujao.</translation>
    </message>
    <message>
        <source>This till is enrolled: head office owns its staff. Change them at head office; they arrive with the next sync.</source>
        <comment>staff_owned_by_head_office</comment>
        <translation>Mashine hii imesajiliwa: wafanyakazi wake ni wa ofisi kuu. Wabadilishe ofisi kuu; watafika na usawazishaji ujao.</translation>
    </message>
    <message>
        <source>This till is enrolled: head office owns its {what}. Change it at head office.</source>
        <comment>shop_details.head_office</comment>
        <translation>Kaunta hii imesajiliwa: ofisi kuu inamiliki {what} yake. Ibadilishe katika ofisi kuu.</translation>
    </message>
    <message>
        <source>Till name: give this till a name of 1 to 80 characters (e.g. 'Till 2').</source>
        <comment>enroll_bad_name</comment>
        <translation>Jina la kaunta: ipe kaunta hii jina la herufi 1 hadi 80 (mfano 'Kaunta 2').</translation>
    </message>
    <message>
        <source>Till number (Buy Goods; empty for paybill)</source>
        <translation>Till number (Buy Goods; acha tupu kwa paybill)</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>Saa</translation>
    </message>
    <message>
        <source>To</source>
        <translation>Hadi</translation>
    </message>
    <message>
        <source>Too many digits: type 07XX XXX XXX or 01XX XXX XXX.</source>
        <comment>mpesa.phone_too_many_digits</comment>
        <translation>Tarakimu zimezidi: andika 07XX XXX XXX au 01XX XXX XXX.</translation>
    </message>
    <message>
        <source>Too many tries on this PayPal payment. Start a new one or take another method.</source>
        <translation>Majaribio yamezidi kwa malipo haya ya PayPal. Anza mapya au pokea kwa njia nyingine.</translation>
    </message>
    <message>
        <source>Total</source>
        <translation>Jumla</translation>
    </message>
    <message>
        <source>Total waiting</source>
        <translation>Jumla inayosubiri</translation>
    </message>
    <message>
        <source>Training mode: the demo shop's details cannot be changed. Change your shop's details on the live till.</source>
        <comment>shop_details.training</comment>
        <translation>Hali ya mafunzo: maelezo ya duka la mfano hayawezi kubadilishwa. Badilisha maelezo ya duka lako kwenye kaunta halisi.</translation>
    </message>
    <message>
        <source>Type the approval code printed on the terminal's slip.</source>
        <translation>Andika nambari ya idhini iliyochapishwa kwenye karatasi ya mashine.</translation>
    </message>
    <message>
        <source>Type the buyer's KRA PIN (a letter, nine digits and a letter).</source>
        <comment>buyer.no_pin</comment>
        <translation>Andika PIN ya KRA ya mnunuzi (herufi moja, tarakimu tisa na herufi moja).</translation>
    </message>
    <message>
        <source>Type the customer's M-Pesa number: type 07XX XXX XXX or 01XX XXX XXX.</source>
        <comment>mpesa.phone_missing</comment>
        <translation>Andika namba ya M-Pesa ya mteja: andika 07XX XXX XXX au 01XX XXX XXX.</translation>
    </message>
    <message>
        <source>Type the last 4 digits of the card, as the slip prints them.</source>
        <translation>Andika tarakimu 4 za mwisho za kadi, kama zilivyochapishwa kwenye karatasi.</translation>
    </message>
    <message>
        <source>Type the {field} before sending.</source>
        <comment>payments.keyed_missing</comment>
        <translation>Andika {field} kabla ya kutuma.</translation>
    </message>
    <message>
        <source>Type what the terminal's journal (or the statement) shows for this refund: its receipt number, or that there is none.</source>
        <translation>Andika kinachoonyeshwa na kumbukumbu za mashine ya kadi (au taarifa ya benki) kwa marejesho haya: nambari ya risiti yake, au kwamba hakuna.</translation>
    </message>
    <message>
        <source>Unknown VAT class {code} (known: {known}).</source>
        <comment>tax.unknown_vat</comment>
        <translation>Daraja la VAT {code} halijulikani (yanayojulikana: {known}).</translation>
    </message>
    <message>
        <source>Unknown currency {currency}.</source>
        <comment>money.unknown_currency</comment>
        <translation>Sarafu {currency} haijulikani.</translation>
    </message>
    <message>
        <source>Unknown settings: {names}.</source>
        <comment>gateway_settings.unknown</comment>
        <translation>Mipangilio isiyojulikana: {names}.</translation>
    </message>
    <message>
        <source>Unknown user.</source>
        <translation>Mtumiaji hajulikani.</translation>
    </message>
    <message>
        <source>Unlocking a user</source>
        <translation>Kumfungua mtumiaji</translation>
    </message>
    <message>
        <source>Upgrading the database {path} from schema {current} to {target} failed ({detail}). {outcome} Keep using the previous Kaunta version and send the log file to support.</source>
        <comment>store.upgrade_failed</comment>
        <translation>Kusasisha hifadhidata {path} kutoka schema {current} hadi {target} kumeshindikana ({detail}). {outcome} Endelea kutumia toleo la awali la Kaunta na utume faili la kumbukumbu kwa msaada (support).</translation>
    </message>
    <message>
        <source>Users exist already: a manager adds new users.</source>
        <translation>Watumiaji wapo tayari: meneja ndiye huongeza watumiaji wapya.</translation>
    </message>
    <message>
        <source>VAT</source>
        <translation>VAT</translation>
    </message>
    <message>
        <source>VAT</source>
        <comment>receipt.vat</comment>
        <translation>VAT</translation>
    </message>
    <message>
        <source>VAT 16%</source>
        <translation>VAT 16%</translation>
    </message>
    <message>
        <source>VAT by class</source>
        <translation>VAT kwa kundi</translation>
    </message>
    <message>
        <source>VAT class {value} is not one of {choices}</source>
        <comment>catalog.import.vat_bad</comment>
        <translation>daraja la VAT {value} si mojawapo ya {choices}</translation>
    </message>
    <message>
        <source>Viewing reports</source>
        <translation>Kuangalia ripoti</translation>
    </message>
    <message>
        <source>Voiding a sale</source>
        <translation>Kufuta mauzo</translation>
    </message>
    <message>
        <source>Voids</source>
        <translation>Yaliyofutwa</translation>
    </message>
    <message>
        <source>Waiting for the amount to be confirmed on the terminal…</source>
        <translation>Inasubiri kiasi kithibitishwe kwenye mashine…</translation>
    </message>
    <message>
        <source>Waiting for the bank…</source>
        <translation>Inasubiri benki…</translation>
    </message>
    <message>
        <source>Waiting for the customer to enter their M-Pesa PIN.</source>
        <translation>Inasubiri mteja aweke PIN yake ya M-Pesa.</translation>
    </message>
    <message>
        <source>Waiting for the customer to finish in PayPal.</source>
        <translation>Inasubiri mteja amalize kwenye PayPal.</translation>
    </message>
    <message>
        <source>Waiting for the customer to scan the code and approve in PayPal.</source>
        <translation>Inasubiri mteja askani msimbo na aidhinishe kwenye PayPal.</translation>
    </message>
    <message>
        <source>Wrong PIN.</source>
        <translation>PIN si sahihi.</translation>
    </message>
    <message>
        <source>Wrong PIN. 1 try left before {name} is locked.</source>
        <comment>auth.tries_left#one</comment>
        <translation>PIN si sahihi. Imebaki nafasi 1 kabla {name} hajafungiwa.</translation>
    </message>
    <message>
        <source>Wrong PIN. Ask the customer to try again.</source>
        <translation>PIN si sahihi. Mwombe mteja ajaribu tena.</translation>
    </message>
    <message>
        <source>Wrong PIN. {count} tries left before {name} is locked.</source>
        <comment>auth.tries_left#other</comment>
        <translation>PIN si sahihi. Zimebaki nafasi {count} kabla {name} hajafungiwa.</translation>
    </message>
    <message>
        <source>Wrong PIN. {name} is now locked for {minutes} minutes. A manager can unlock the account now.</source>
        <comment>auth.locked_now</comment>
        <translation>PIN si sahihi. {name} amefungiwa kwa dakika {minutes}. Meneja anaweza kufungua akaunti sasa.</translation>
    </message>
    <message>
        <source>X REPORT</source>
        <translation>RIPOTI YA X</translation>
    </message>
    <message>
        <source>You cannot deactivate yourself; ask another manager.</source>
        <translation>Huwezi kujizima mwenyewe; mwombe meneja mwingine.</translation>
    </message>
    <message>
        <source>Z REPORT</source>
        <translation>RIPOTI YA Z</translation>
    </message>
    <message>
        <source>Zero-rated</source>
        <translation>Kiwango cha sifuri</translation>
    </message>
    <message>
        <source>a NUL byte</source>
        <comment>catalog.import.nul_byte</comment>
        <translation>baiti ya NUL</translation>
    </message>
    <message>
        <source>a field is longer than {limit} characters</source>
        <comment>catalog.import.field_too_long</comment>
        <translation>sehemu moja ina zaidi ya herufi {limit}</translation>
    </message>
    <message>
        <source>a line break</source>
        <comment>catalog.import.line_break</comment>
        <translation>kivunja-mstari</translation>
    </message>
    <message>
        <source>a manager</source>
        <translation>meneja</translation>
    </message>
    <message>
        <source>a supervisor or manager</source>
        <translation>msimamizi au meneja</translation>
    </message>
    <message>
        <source>active must be yes or no, not {value}</source>
        <comment>catalog.import.active_bad</comment>
        <translation>active lazima iwe yes au no, si {value}</translation>
    </message>
    <message>
        <source>another journal key is kept as {name} already</source>
        <comment>journal_key_other</comment>
        <translation>ufunguo mwingine wa kumbukumbu umeshahifadhiwa kama {name}</translation>
    </message>
    <message>
        <source>at head office, not yet signed by KRA</source>
        <translation>kwenye ofisi kuu, bado haijasainiwa na KRA</translation>
    </message>
    <message>
        <source>barcode {value} already belongs to SKU {owner} in the catalog</source>
        <comment>catalog.import.barcode_taken</comment>
        <translation>msimbopau {value} tayari ni wa SKU {owner} katika orodha ya bidhaa</translation>
    </message>
    <message>
        <source>barcode {value} is also on line {other}</source>
        <comment>catalog.import.barcode_twice</comment>
        <translation>msimbopau {value} uko pia kwenye mstari {other}</translation>
    </message>
    <message>
        <source>branch {branch}, invoice {invoice}: it does not follow the invoice signed before it (a signed invoice was removed, added or reordered)</source>
        <comment>etims.tampered.out_of_order</comment>
        <translation>tawi {branch}, ankara {invoice}: haifuati ankara iliyotiwa sahihi kabla yake (ankara iliyotiwa sahihi iliondolewa, iliongezwa au ilipangwa upya)</translation>
    </message>
    <message>
        <source>branch {branch}, invoice {invoice}: it is chained without the key, where this file's invoices were chained with it (re-chained outside Kaunta)</source>
        <comment>etims.tampered.unkeyed</comment>
        <translation>tawi {branch}, ankara {invoice}: imeunganishwa bila ufunguo, ilhali ankara za faili hii ziliunganishwa nao (imeunganishwa upya nje ya Kaunta)</translation>
    </message>
    <message>
        <source>branch {branch}, invoice {invoice}: its signature is not the one KRA gave (hash differs)</source>
        <comment>etims.tampered.hash_differs</comment>
        <translation>tawi {branch}, ankara {invoice}: sahihi yake si ile ambayo KRA ilitoa (hashi ni tofauti)</translation>
    </message>
    <message>
        <source>branch {branch}, invoice {invoice}: its signature is of invoice {signed_as}</source>
        <comment>etims.tampered.other_invoice</comment>
        <translation>tawi {branch}, ankara {invoice}: sahihi yake ni ya ankara {signed_as}</translation>
    </message>
    <message>
        <source>branch {branch}, invoice {invoice}: its stored signature is not readable</source>
        <comment>etims.tampered.unreadable</comment>
        <translation>tawi {branch}, ankara {invoice}: sahihi yake iliyohifadhiwa haisomeki</translation>
    </message>
    <message>
        <source>branch {branch}, invoice {invoice}: signed in the queue, but its signature is gone</source>
        <comment>etims.tampered.signature_gone</comment>
        <translation>tawi {branch}, ankara {invoice}: imetiwa sahihi kwenye foleni, lakini sahihi yake haipo</translation>
    </message>
    <message>
        <source>branch {branch}: invoice {invoice}, the last one signed when this till last started, is gone (the file was cut back or put back from an older copy)</source>
        <comment>etims.tampered.cut_back</comment>
        <translation>tawi {branch}: ankara {invoice}, ya mwisho iliyotiwa sahihi kaunta hii ilipowashwa mara ya mwisho, haipo (faili imekatwa nyuma au imerudishwa kutoka nakala ya zamani)</translation>
    </message>
    <message>
        <source>cannot create {folder}</source>
        <comment>backup.doing.create</comment>
        <translation>haiwezi kuunda {folder}</translation>
    </message>
    <message>
        <source>cashier</source>
        <translation>keshia</translation>
    </message>
    <message>
        <source>copying</source>
        <comment>backup.doing.copy</comment>
        <translation>inanakili</translation>
    </message>
    <message>
        <source>copying before the upgrade</source>
        <comment>backup.doing.copy_upgrade</comment>
        <translation>inanakili kabla ya kusasisha</translation>
    </message>
    <message>
        <source>counted</source>
        <translation>zilizohesabiwa</translation>
    </message>
    <message>
        <source>difference</source>
        <translation>tofauti</translation>
    </message>
    <message>
        <source>documents were already made under {store}/{terminal} ({tables})</source>
        <comment>journal_key_documents</comment>
        <translation>hati zilishatengenezwa chini ya {store}/{terminal} ({tables})</translation>
    </message>
    <message>
        <source>e.g. 123456</source>
        <translation>mfano 123456</translation>
    </message>
    <message>
        <source>fields beyond the header's columns: {count}</source>
        <comment>catalog.import.extra_fields</comment>
        <translation>sehemu zaidi ya safu za kichwa: {count}</translation>
    </message>
    <message>
        <source>gross</source>
        <translation>jumla</translation>
    </message>
    <message>
        <source>kra_item_class {value} must be 1 to 10 digits (a code from KRA's item classification list), or empty for the branch default</source>
        <comment>catalog.import.kra_class_bad</comment>
        <translation>kra_item_class {value} lazima iwe tarakimu 1 hadi 10 (msimbo kutoka orodha ya KRA ya ainisho za bidhaa), au tupu kwa ainisho la kawaida la tawi</translation>
    </message>
    <message>
        <source>line {line}: {problem}</source>
        <comment>catalog.import.row</comment>
        <translation>mstari {line}: {problem}</translation>
    </message>
    <message>
        <source>manager</source>
        <translation>meneja</translation>
    </message>
    <message>
        <source>name is missing</source>
        <comment>catalog.import.name_missing</comment>
        <translation>jina halipo</translation>
    </message>
    <message>
        <source>name is over {limit} characters</source>
        <comment>catalog.import.name_long</comment>
        <translation>jina lina zaidi ya herufi {limit}</translation>
    </message>
    <message>
        <source>no credit note: the refunded sale was not a KRA invoice</source>
        <translation>hakuna hati ya marejesho: mauzo yaliyorejeshwa hayakuwa ankara ya KRA</translation>
    </message>
    <message>
        <source>no journal key is kept as {name}</source>
        <comment>journal_key_none</comment>
        <translation>hakuna ufunguo wa kumbukumbu uliohifadhiwa kama {name}</translation>
    </message>
    <message>
        <source>not yet sent to head office (no sync link), so not yet submitted to KRA</source>
        <translation>bado haijatumwa kwa ofisi kuu (hakuna muunganisho wa usawazishaji), kwa hivyo bado haijawasilishwa kwa KRA</translation>
    </message>
    <message>
        <source>price is missing</source>
        <comment>catalog.import.price_missing</comment>
        <translation>bei haipo</translation>
    </message>
    <message>
        <source>price {value} must be more than zero</source>
        <comment>catalog.import.price_not_positive</comment>
        <translation>bei {value} lazima iwe zaidi ya sifuri</translation>
    </message>
    <message>
        <source>price: {problem}</source>
        <comment>catalog.import.price_bad</comment>
        <translation>bei: {problem}</translation>
    </message>
    <message>
        <source>product registration</source>
        <translation>usajili wa bidhaa</translation>
    </message>
    <message>
        <source>refunded</source>
        <translation>imerudishwa</translation>
    </message>
    <message>
        <source>saving the copy</source>
        <comment>backup.doing.save</comment>
        <translation>inahifadhi nakala</translation>
    </message>
    <message>
        <source>saving the copy made before the upgrade</source>
        <comment>backup.doing.save_upgrade</comment>
        <translation>inahifadhi nakala iliyotengenezwa kabla ya kusasisha</translation>
    </message>
    <message>
        <source>set-up with KRA</source>
        <translation>usanidi na KRA</translation>
    </message>
    <message>
        <source>submitted again as number</source>
        <translation>imetumwa tena kama nambari</translation>
    </message>
    <message>
        <source>supervisor</source>
        <translation>msimamizi</translation>
    </message>
    <message>
        <source>the branch's invoice counter now continues after</source>
        <translation>kihesabu cha ankara cha tawi sasa kinaendelea baada ya</translation>
    </message>
    <message>
        <source>the connection to KRA broke before its answer</source>
        <translation>muunganisho na KRA ulikatika kabla ya jibu lake</translation>
    </message>
    <message>
        <source>the control character {char}</source>
        <comment>catalog.import.control_char</comment>
        <translation>herufi ya udhibiti {char}</translation>
    </message>
    <message>
        <source>the eTIMS worker stopped on an error (see the log)</source>
        <translation>kazi ya eTIMS ilisimama kwa hitilafu (angalia kumbukumbu)</translation>
    </message>
    <message>
        <source>the line cannot be read as CSV ({detail})</source>
        <comment>catalog.import.not_csv</comment>
        <translation>mstari hausomeki kama CSV ({detail})</translation>
    </message>
    <message>
        <source>the rule {rule} that keeps signed invoices unchanged is gone</source>
        <comment>etims.tampered.rule_gone</comment>
        <translation>kanuni {rule} inayozuia ankara zilizotiwa sahihi zisibadilishwe imeondolewa</translation>
    </message>
    <message>
        <source>the stored KRA signatures are chained without a key (the journal key is not loaded), so they are protected only against accidents until it is</source>
        <translation>sahihi za KRA zilizohifadhiwa zimeunganishwa bila ufunguo (ufunguo wa jarida haujapakiwa), kwa hiyo zinalindwa dhidi ya makosa tu hadi utakapopakiwa</translation>
    </message>
    <message>
        <source>unknown sale snapshot version {version}</source>
        <comment>snapshot.unknown_version</comment>
        <translation>toleo la mauzo yaliyohifadhiwa {version} halijulikani</translation>
    </message>
    <message>
        <source>users row {user} changed its role, PIN hash or active flag without a new seal: call pos.store.journal_chain.seal_user(session, user) after such a change.</source>
        <comment>db.unsealed_user</comment>
        <translation>Hitilafu ya programu: mtumiaji {user} amebadilishwa (cheo, PIN au hali) bila muhuri mpya. Mjulishe support (pos.store.journal_chain.seal_user(session, user)).</translation>
    </message>
    <message>
        <source>{a_method} payment does not add up: {tendered} tendered is not {amount} taken plus {change} change.</source>
        <comment>snapshot.unbalanced_payment</comment>
        <translation>Malipo ya {method} hayalingani: {tendered} zilizotolewa si {amount} zilizopokelewa pamoja na chenji {change}.</translation>
    </message>
    <message>
        <source>{a_method} payment has a negative amount or change.</source>
        <comment>snapshot.negative_payment</comment>
        <translation>Malipo ya {method} yana kiasi au chenji hasi.</translation>
    </message>
    <message>
        <source>{a_method} request for this sale is still waiting ({status}) — wait for it or cancel it before sending another.</source>
        <comment>payments.still_waiting</comment>
        <translation>Ombi la {method} la mauzo haya bado linasubiri ({status}) — lisubiri au ulighairi kabla ya kutuma jingine.</translation>
    </message>
    <message>
        <source>{action} is not allowed for a {role}.</source>
        <comment>not_allowed</comment>
        <translation>Hairuhusiwi kwa {role}: {action}.</translation>
    </message>
    <message>
        <source>{action} needs approval by {approver}.</source>
        <comment>approval_required</comment>
        <translation>Idhini ya {approver} inahitajika kwa: {action}.</translation>
    </message>
    <message>
        <source>{amount} is more than M-Pesa takes in one payment ({limit}). Split the payment: take up to {limit} by M-Pesa, then the rest as a second payment.</source>
        <comment>mpesa.over_max</comment>
        <translation>{amount} ni zaidi ya kiasi ambacho M-Pesa inapokea kwa malipo moja ({limit}). Gawanya malipo: pokea hadi {limit} kwa M-Pesa, kisha kilichobaki kama malipo ya pili.</translation>
    </message>
    <message>
        <source>{amount} is more than the {allowed} due; {method} gives no change.</source>
        <comment>sale.no_change_given</comment>
        <translation>{amount} ni zaidi ya {allowed} inayodaiwa; {method} haitoi chenji.</translation>
    </message>
    <message>
        <source>{amount} is more than the {due} due. {method} gives no change.</source>
        <comment>payments.no_change</comment>
        <translation>{amount} ni zaidi ya deni la {due}. {method} haitoi chenji.</translation>
    </message>
    <message>
        <source>{amount} refunded to the customer's PayPal.</source>
        <comment>paypal.refunded</comment>
        <translation>{amount} zimerudishwa kwenye PayPal ya mteja.</translation>
    </message>
    <message>
        <source>{amount} was overpaid by a non-cash method; refund it before completing.</source>
        <comment>sale.overpaid_non_cash</comment>
        <translation>{amount} zimelipwa zaidi kwa njia isiyo pesa taslimu; zirudishe kabla ya kukamilisha.</translation>
    </message>
    <message>
        <source>{amount} went back here for receipt {original}, but head office does not count it: it keeps refund {number} as a conflict for review. Do not give that money back again; tell head office what was handed over.</source>
        <comment>refund_refused_todo</comment>
        <translation>{amount} zilirudishwa hapa kwa risiti {original}, lakini ofisi kuu haizihesabu: inayaweka marejesho {number} kama mgongano wa kukaguliwa. Usirudishe pesa hizo tena; iambie ofisi kuu kiasi kilichotolewa.</translation>
    </message>
    <message>
        <source>{column} holds {what}; type it on one line</source>
        <comment>catalog.import.control</comment>
        <translation>{column} ina {what}; iandike kwenye mstari mmoja</translation>
    </message>
    <message>
        <source>{currency} amounts have at most {digits} decimals: {text}.</source>
        <comment>money.too_many_decimals</comment>
        <translation>Kiasi cha {currency} kina desimali zisizozidi {digits}: {text}.</translation>
    </message>
    <message>
        <source>{due} is still due: take payment first.</source>
        <comment>checkout.still_due</comment>
        <translation>{due} bado kulipwa: pokea malipo kwanza.</translation>
    </message>
    <message>
        <source>{due} is still due; take payment first.</source>
        <comment>sale.still_due</comment>
        <translation>Bado {due} kulipwa; pokea malipo kwanza.</translation>
    </message>
    <message>
        <source>{field}: digits only (0-9).</source>
        <comment>payments.keyed_digits</comment>
        <translation>{field}: tarakimu tu (0-9).</translation>
    </message>
    <message>
        <source>{field}: type {length} characters.</source>
        <comment>payments.keyed_length</comment>
        <translation>{field}: andika herufi {length}.</translation>
    </message>
    <message>
        <source>{first} and {second}</source>
        <comment>auth.actions_and</comment>
        <translation>{first} na {second}</translation>
    </message>
    <message>
        <source>{gateway} refused the keys: {detail}</source>
        <comment>payments.keys_refused</comment>
        <translation>{gateway} imekataa funguo: {detail}</translation>
    </message>
    <message>
        <source>{item} on receipt {receipt}: the money refunded would be more than the line was sold for.</source>
        <comment>hq_refund_line_money_over</comment>
        <translation>{item} kwenye risiti {receipt}: pesa zinazorudishwa zingezidi bei ambayo bidhaa hii iliuzwa.</translation>
    </message>
    <message>
        <source>{item} on receipt {receipt}: {sold} sold, {refunded} already refunded (by this or another till), so {asked} more cannot go back.</source>
        <comment>hq_refund_line_over</comment>
        <translation>{item} kwenye risiti {receipt}: {sold} ziliuzwa, {refunded} zimesharudishwa (na kaunta hii au nyingine), kwa hivyo {asked} zaidi haziwezi kurudishwa.</translation>
    </message>
    <message>
        <source>{item}: {problem}</source>
        <comment>refund_line_problem</comment>
        <translation>{item}: {problem}</translation>
    </message>
    <message>
        <source>{kind} is not a kind of cash movement.</source>
        <comment>shift_unknown_kind</comment>
        <translation>{kind} si aina ya mwendo wa pesa taslimu.</translation>
    </message>
    <message>
        <source>{label} (reversal)</source>
        <comment>refund.receipt.by_hand</comment>
        <translation>{label} (reversal)</translation>
    </message>
    <message>
        <source>{label} already paid {paid}; after this change the sale would be {payable}, and {excess} cannot be given back from the drawer. Keep the item, or void the sale: the manager then returns the {label} payment (Settle…).</source>
        <comment>checkout.not_from_drawer</comment>
        <translation>{label} tayari imelipa {paid}; baada ya badiliko hili mauzo yangekuwa {payable}, na {excess} haziwezi kurudishwa kutoka droo. Acha bidhaa, au futa mauzo: kisha meneja anarudisha malipo ya {label} (Maliza hesabu…).</translation>
    </message>
    <message>
        <source>{label} cannot be given back that way.</source>
        <comment>refund_not_that_way</comment>
        <translation>{label} haiwezi kurudishwa kwa njia hiyo.</translation>
    </message>
    <message>
        <source>{label} cannot refund.</source>
        <comment>payments.refund_unsupported</comment>
        <translation>{label} haiwezi kurudisha pesa.</translation>
    </message>
    <message>
        <source>{label} did not answer after the refund was sent: {problem} Nothing is recorded as refunded yet: the till asks it whether the refund went through (see the waiting line).</source>
        <comment>refund_waiting</comment>
        <translation>{label} haikujibu baada ya marejesho kutumwa: {problem} Bado hakuna kilichorekodiwa kama kimerudishwa: mashine hii inaiuliza kama marejesho yalipita (tazama mstari wa yanayosubiri).</translation>
    </message>
    <message>
        <source>{label} did not answer: {problem} Nothing is recorded as refunded, but some money went back already: {given}. Tell head office before trying again.</source>
        <comment>refund_method_no_answer_after</comment>
        <translation>{label} haikujibu: {problem} Hakuna kilichorekodiwa kama kimerudishwa, lakini pesa nyingine zimesharudi: {given}. Iambie ofisi kuu kabla ya kujaribu tena.</translation>
    </message>
    <message>
        <source>{label} did not answer: {problem} Nothing is recorded as refunded. Before trying again, look at its last transaction (or its slip): if it shows this refund approved, the money went back; do not refund again, and tell head office its receipt number.</source>
        <comment>refund_method_no_answer</comment>
        <translation>{label} haikujibu: {problem} Hakuna kilichorekodiwa kama kimerudishwa. Kabla ya kujaribu tena, angalia muamala wake wa mwisho (au risiti yake): ikionyesha marejesho haya yamekubaliwa, pesa zimerudi; usirudishe tena, na uiambie ofisi kuu nambari ya risiti yake.</translation>
    </message>
    <message>
        <source>{label} did not answer: {problem} Nothing was sent to it, so nothing went back and nothing is recorded as refunded. Try again, or choose cash from the drawer for this tender (a manager approves).</source>
        <comment>refund_method_not_reached</comment>
        <translation>{label} haikujibu: {problem} Hakuna kilichotumwa kwake, kwa hiyo hakuna kilichorudi na hakuna kilichorekodiwa kama kimerudishwa. Jaribu tena, au chagua pesa taslimu kutoka droo kwa malipo haya (meneja aidhinishe).</translation>
    </message>
    <message>
        <source>{label} did not give the money back: {problem} Nothing is recorded as refunded. Try again, or choose cash from the drawer for this tender (a manager approves).</source>
        <comment>refund_method_declined</comment>
        <translation>{label} haikurudisha pesa: {problem} Hakuna kilichorekodiwa kama kimerudishwa. Jaribu tena, au chagua pesa taslimu kutoka droo kwa malipo haya (meneja aidhinishe).</translation>
    </message>
    <message>
        <source>{label} gave {amount} back, but the refund is not recorded yet: {problem} Press Check again; do not give this money back again.</source>
        <comment>refund_todo_approved</comment>
        <translation>{label} imerudisha {amount}, lakini marejesho bado hayajarekodiwa: {problem} Bonyeza Angalia tena; usirudishe pesa hizi tena.</translation>
    </message>
    <message>
        <source>{label} is not set up on this till: give the money back by hand or as cash.</source>
        <comment>refund_method_not_set_up</comment>
        <translation>{label} haijawekwa kwenye mashine hii: rudisha pesa kwa mkono au kama taslimu.</translation>
    </message>
    <message>
        <source>{label} payments cannot be withdrawn from the till; the customer can still decline on their phone.</source>
        <comment>payments.cancel_unsupported</comment>
        <translation>Malipo ya {label} hayawezi kuondolewa kutoka kaunta; mteja bado anaweza kukataa kwenye simu yake.</translation>
    </message>
    <message>
        <source>{label} refund waiting for the terminal's answer: {amount} for receipt {number}, sent {since}.</source>
        <comment>refund_waiting_line</comment>
        <translation>Marejesho ya {label} yanasubiri jibu la mashine ya kadi: {amount} kwa risiti {number}, yalitumwa {since}.</translation>
    </message>
    <message>
        <source>{method} cannot refund from the till: give the money back by hand (a reversal or cash) and say how in the note.</source>
        <comment>payments.cannot_refund</comment>
        <translation>{method} haiwezi kurejesha pesa kutoka till: rudisha pesa kwa mkono (reversal au pesa taslimu) na ueleze jinsi kwenye maelezo.</translation>
    </message>
    <message>
        <source>{method} cannot take {currency}.</source>
        <comment>payments.cannot_take</comment>
        <translation>{method} haipokei {currency}.</translation>
    </message>
    <message>
        <source>{method} rounding</source>
        <comment>receipt.rounding</comment>
        <translation>Ukadiriaji wa {method}</translation>
    </message>
    <message>
        <source>{method} takes no field named {field}.</source>
        <comment>payments.keyed_unknown</comment>
        <translation>{method} haina sehemu inayoitwa {field}.</translation>
    </message>
    <message>
        <source>{name} has a negative price.</source>
        <comment>snapshot.negative_price</comment>
        <translation>{name} ina bei hasi.</translation>
    </message>
    <message>
        <source>{name} has a negative price; fix the catalog.</source>
        <comment>sale.negative_price</comment>
        <translation>{name} ina bei hasi; rekebisha katalogi.</translation>
    </message>
    <message>
        <source>{name} is locked after {count} wrong PINs, until {until}. A manager can unlock the account now.</source>
        <comment>auth.locked_until</comment>
        <translation>{name} amefungiwa baada ya PIN {count} zisizo sahihi, hadi saa {until}. Meneja anaweza kufungua akaunti sasa.</translation>
    </message>
    <message>
        <source>{name} is not for sale (inactive in the catalog).</source>
        <comment>checkout.not_for_sale</comment>
        <translation>{name} haiuzwi (haitumiki kwenye orodha ya bidhaa).</translation>
    </message>
    <message>
        <source>{name} is priced in {currency}.</source>
        <comment>sale.priced_in</comment>
        <translation>Bei ya {name} iko kwa {currency}.</translation>
    </message>
    <message>
        <source>{name} is priced in {currency}; fix the catalog.</source>
        <comment>checkout.priced_in</comment>
        <translation>Bei ya {name} iko kwa {currency}; rekebisha katalogi.</translation>
    </message>
    <message>
        <source>{name} is the last manager: add another manager first, so that someone can still manage this till.</source>
        <comment>staff_last_manager</comment>
        <translation>{name} ndiye meneja wa mwisho: ongeza meneja mwingine kwanza, ili mtu aweze bado kusimamia mashine hii.</translation>
    </message>
    <message>
        <source>{path} is damaged ({detail}): it was not restored.</source>
        <comment>restore.damaged</comment>
        <translation>{path} imeharibika ({detail}): haikurejeshwa.</translation>
    </message>
    <message>
        <source>{path} is not a Kaunta database: nothing restored.</source>
        <comment>restore.not_kaunta</comment>
        <translation>{path} si hifadhidata ya Kaunta: hakuna kilichorejeshwa.</translation>
    </message>
    <message>
        <source>{path} is not a database Kaunta can read ({detail}).</source>
        <comment>restore.unreadable</comment>
        <translation>{path} si hifadhidata ambayo Kaunta inaweza kusoma ({detail}).</translation>
    </message>
    <message>
        <source>{path} is not a file with a database in it: nothing restored.</source>
        <comment>restore.not_a_file</comment>
        <translation>{path} si faili yenye hifadhidata: hakuna kilichorejeshwa.</translation>
    </message>
    <message>
        <source>{path} lacks the rules that keep sales append-only ({missing}): it was not restored. Call support.</source>
        <comment>restore.no_rules</comment>
        <translation>{path} haina kanuni zinazozuia mauzo kubadilishwa ({missing}): haikurejeshwa. Piga simu kwa support.</translation>
    </message>
    <message>
        <source>{path} was written by a newer Kaunta (schema {revision}); install that version to restore it.</source>
        <comment>restore.too_new</comment>
        <translation>{path} iliandikwa na Kaunta mpya zaidi (schema {revision}); sakinisha toleo hilo ili kuirejesha.</translation>
    </message>
    <message>
        <source>{pin} is not a KRA PIN: a KRA PIN is a letter, nine digits and a letter, like P051234567X.</source>
        <comment>buyer.not_a_pin</comment>
        <translation>{pin} si PIN ya KRA: PIN ya KRA ni herufi moja, tarakimu tisa na herufi moja, kama P051234567X.</translation>
    </message>
    <message>
        <source>{problem} Once you have looked, settle it here: It went back (type the receipt number its journal shows) or It did not go back. Do not refund this sale again meanwhile; if in doubt, tell head office.</source>
        <comment>refund_todo_unknown</comment>
        <translation>{problem} Ukishaangalia, yamalize hapa: Zimerudi (andika nambari ya risiti inayoonyeshwa na kumbukumbu zake) au Hazikurudi. Usirejeshe mauzo haya tena wakati huu; ukiwa na shaka, iambie ofisi kuu.</translation>
    </message>
    <message>
        <source>{running} Nothing was restored: close the till first, then run `kaunta restore {source}` again.</source>
        <comment>restore.till_open</comment>
        <translation>{running} Hakuna kilichorejeshwa: funga till kwanza, kisha endesha `kaunta restore {source}` tena.</translation>
    </message>
    <message>
        <source>{tendered} is less than the {cash_due} due. Enter at least {cash_text}, or take a part payment.</source>
        <comment>sale.cash_short</comment>
        <translation>{tendered} ni chini ya {cash_due} inayodaiwa. Ingiza angalau {cash_text}, au pokea malipo ya sehemu.</translation>
    </message>
    <message>
        <source>{tendered} is more than the {due} left but less than the {cash_due} to pay in cash. Take {cash_text} as the full payment.</source>
        <comment>sale.cash_between</comment>
        <translation>{tendered} ni zaidi ya {due} iliyobaki lakini chini ya {cash_due} ya kulipa kwa pesa taslimu. Pokea {cash_text} kama malipo kamili.</translation>
    </message>
    <message>
        <source>{text} is not an amount.</source>
        <comment>money.not_an_amount</comment>
        <translation>{text} si kiasi.</translation>
    </message>
    <message>
        <source>{text} is not an amount. Type digits, e.g. 1250.50.</source>
        <comment>money.not_an_amount_hint</comment>
        <translation>{text} si kiasi. Andika tarakimu, k.m. 1250.50.</translation>
    </message>
    <message>
        <source>{typed} is not a Safaricom number: type 07XX XXX XXX or 01XX XXX XXX</source>
        <comment>mpesa.phone_not_safaricom</comment>
        <translation>{typed} si namba ya Safaricom: andika 07XX XXX XXX au 01XX XXX XXX</translation>
    </message>
    <message>
        <source>{value} is not a note or coin the till counts in {currency}.</source>
        <comment>cashup_bad_denomination</comment>
        <translation>{value} si noti wala sarafu ambayo till inahesabu kwa {currency}.</translation>
    </message>
    <message>
        <source>{value} is not a percentage.</source>
        <comment>sale.not_a_percentage</comment>
        <translation>{value} si asilimia.</translation>
    </message>
</context>
</TS>
