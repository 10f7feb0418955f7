/* Swedish personal identity numbers (personnummer, and samordningsnummer:
 * the day plus 60) in free text, so that an import refuses them.
 *
 * Found: YYMMDD-NNNC, YYMMDD+NNNC, YYMMDDNNNC, YYYYMMDD-NNNC and
 * YYYYMMDDNNNC as digits not joined to other digits, with a real month
 * (01–12), a day 01–31 or 61–91, a century 18, 19 or 20 in the 12-digit
 * forms, and the Luhn check digit C over the ten digits YYMMDDNNNC, and
 * not part of a longer identifier: not joined to letters, and not after a
 * letter or digit and '-' or '_' (the pseudonym B-7133220384). So an
 * ordinary 10- or 12-digit number passes unless it happens to look like a
 * date and carry a valid check digit (about one in ten of those that do
 * look like a date), and a case number such as 1880-2025-00239 never
 * matches. */
#ifndef CW_IMPORT_PIN_H
#define CW_IMPORT_PIN_H

#include <stdbool.h>

/* True when s (NUL-terminated) holds a personal identity number. */
bool cw_pin_find(const char *s);

#endif
