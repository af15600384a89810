/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-scram"

#include "config.h"

#include <string.h>

#include "natter-scram.h"

/*
 * The server's SCRAM-SHA-256 against RFC 7677's example exchange, and what
 * it refuses: channel binding, extensions, wrong nonces and proofs,
 * malformed messages; SASLprep against RFC 4013's examples.
 */

#define RFC_SALT         "W22ZaJ0SNY7soEsUEjb6gQ=="
#define RFC_CLIENT_FIRST "n,,n=user,r=rOprNGfwEbeRWgbNEkqO"
#define RFC_SERVER_NONCE "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"
#define RFC_SERVER_FIRST "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
#define RFC_CLIENT_FINAL "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
#define RFC_SERVER_FINAL "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="

static char *
rfc_credentials (const char *password)
{
  g_autofree guchar *salt = NULL;
  gsize salt_len = 0;
  g_autoptr(GError) error = NULL;
  char *credentials;

  salt = g_base64_decode (RFC_SALT, &salt_len);
  credentials = natter_scram_derive (password, salt, salt_len, 4096, &error);
  g_assert_no_error (error);
  g_assert_nonnull (credentials);
  return credentials;
}

/* An exchange up to the server-first message of RFC 7677's example. */
static NatterScramExchange *
rfc_exchange (const char *password)
{
  g_autofree char *credentials = rfc_credentials (password);
  g_autofree char *user = NULL, *authzid = NULL, *server_first = NULL;
  g_autoptr(GError) error = NULL;
  NatterScramExchange *exchange = natter_scram_exchange_new ();

  g_assert_true (natter_scram_exchange_client_first (exchange, RFC_CLIENT_FIRST, &user, &authzid, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (user, ==, "user");
  g_assert_null (authzid);

  server_first = natter_scram_exchange_server_first (exchange, credentials, RFC_SERVER_NONCE, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (server_first, ==, RFC_SERVER_FIRST);

  return exchange;
}

static void
test_rfc7677 (void)
{
  g_autoptr(NatterScramExchange) exchange = rfc_exchange ("pencil");
  g_autoptr(GError) error = NULL;
  g_autofree char *server_final = NULL;

  server_final = natter_scram_exchange_client_final (exchange, RFC_CLIENT_FINAL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (server_final, ==, RFC_SERVER_FINAL);
}

static void
test_credentials_format (void)
{
  g_autofree char *credentials = rfc_credentials ("pencil");
  g_autofree char *fresh = NULL, *other = NULL;
  g_autoptr(GError) error = NULL;

  /* StoredKey and ServerKey of the example, as PostgreSQL writes them. */
  g_assert_cmpstr (credentials, ==,
                   "SCRAM-SHA-256$4096:" RFC_SALT "$"
                   "WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:"
                   "wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=");
  g_assert_true (natter_scram_credentials_valid (credentials));

  /* A fresh salt each time. */
  fresh = natter_scram_new_credentials ("pencil", &error);
  g_assert_no_error (error);
  other = natter_scram_new_credentials ("pencil", &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (fresh, "SCRAM-SHA-256$4096:"));
  g_assert_cmpstr (fresh, !=, other);
  g_assert_true (natter_scram_credentials_valid (fresh));

  g_assert_false (natter_scram_credentials_valid (NULL));
  g_assert_false (natter_scram_credentials_valid ("$y$j9T$abc"));
  g_assert_false (natter_scram_credentials_valid ("SCRAM-SHA-256$1000:" RFC_SALT "$"
                                                  "WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:"
                                                  "wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU="));
  g_assert_false (natter_scram_credentials_valid ("SCRAM-SHA-256$4096:" RFC_SALT "$short:short"));
}

static void
test_wrong_password (void)
{
  g_autoptr(NatterScramExchange) exchange = rfc_exchange ("pencils");
  g_autoptr(GError) error = NULL;
  g_autofree char *server_final = NULL;

  server_final = natter_scram_exchange_client_final (exchange, RFC_CLIENT_FINAL, &error);
  g_assert_error (error, NATTER_SCRAM_ERROR, NATTER_SCRAM_ERROR_PROOF);
  g_assert_null (server_final);
}

static void
test_client_final_refused (void)
{
  const char *finals[] = {
    /* Another nonce, a nonce cut short, another channel binding. */
    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k1,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
    "c=biws,r=rOprNGfwEbeRWgbNEkqO,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
    "c=eSws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
    /* No proof, a short one, one that is not base64. */
    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0",
    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+",
    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndV!=",
    "",
  };

  for (guint i = 0; i < G_N_ELEMENTS (finals); i++)
    {
      g_autoptr(NatterScramExchange) exchange = rfc_exchange ("pencil");
      g_autoptr(GError) error = NULL;
      g_autofree char *server_final = NULL;

      g_test_message ("%s", finals[i]);
      server_final = natter_scram_exchange_client_final (exchange, finals[i], &error);
      g_assert_error (error, NATTER_SCRAM_ERROR, NATTER_SCRAM_ERROR_INVALID);
      g_assert_null (server_final);
    }
}

static void
test_client_first (void)
{
  const struct {
    const char *message;
    int         code;      /* -1: accepted */
    const char *user;
    const char *authzid;
  } cases[] = {
    { "n,,n=user,r=abc", -1, "user", NULL },
    { "y,,n=user,r=abc", -1, "user", NULL },
    { "n,a=al=2Cice,n=al=3Dice,r=abc,x=ext", -1, "al=ice", "al,ice" },
    { "p=tls-unique,,n=user,r=abc", NATTER_SCRAM_ERROR_CHANNEL_BINDING },
    { "n,,m=ext,n=user,r=abc", NATTER_SCRAM_ERROR_EXTENSION },
    { "x,,n=user,r=abc", NATTER_SCRAM_ERROR_INVALID },
    { "n,n=user,r=abc", NATTER_SCRAM_ERROR_INVALID },
    { "n,,n=us=4Cer,r=abc", NATTER_SCRAM_ERROR_INVALID },
    { "n,,n=user=,r=abc", NATTER_SCRAM_ERROR_INVALID },
    { "n,,n=,r=abc", NATTER_SCRAM_ERROR_INVALID },
    { "n,,n=user,r=", NATTER_SCRAM_ERROR_INVALID },
    { "n,,n=user,r=a\x7f", NATTER_SCRAM_ERROR_INVALID },
    { "n,,n=user", NATTER_SCRAM_ERROR_INVALID },
    { "n,,r=abc,n=user", NATTER_SCRAM_ERROR_INVALID },
    { "n,,n=\xff,r=abc", NATTER_SCRAM_ERROR_INVALID },
    { "", NATTER_SCRAM_ERROR_INVALID },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(NatterScramExchange) exchange = natter_scram_exchange_new ();
      g_autofree char *user = NULL, *authzid = NULL;
      g_autoptr(GError) error = NULL;
      gboolean ok;
      g_autofree char *shown = g_strescape (cases[i].message, NULL);

      g_test_message ("%s", shown);
      ok = natter_scram_exchange_client_first (exchange, cases[i].message, &user, &authzid, &error);
      if (cases[i].code < 0)
        {
          g_assert_no_error (error);
          g_assert_true (ok);
          g_assert_cmpstr (user, ==, cases[i].user);
          g_assert_cmpstr (authzid, ==, cases[i].authzid);
        }
      else
        {
          g_assert_error (error, NATTER_SCRAM_ERROR, cases[i].code);
          g_assert_false (ok);
          g_assert_null (user);
        }
    }
}

/* With "y" (the client could bind but thinks the server cannot), the
 * channel binding attribute is base64 of "y,,". */
static void
test_gs2_y (void)
{
  g_autofree char *credentials = rfc_credentials ("pencil");
  g_autoptr(NatterScramExchange) exchange = natter_scram_exchange_new ();
  g_autofree char *user = NULL, *server_first = NULL, *server_final = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (natter_scram_exchange_client_first (exchange, "y,,n=user,r=rOprNGfwEbeRWgbNEkqO",
                                                     &user, NULL, &error));
  server_first = natter_scram_exchange_server_first (exchange, credentials, RFC_SERVER_NONCE, &error);
  g_assert_cmpstr (server_first, ==, RFC_SERVER_FIRST);
  /* The RFC's proof was made with "biws": here it is refused as a binding
   * mismatch before any proof is checked. */
  server_final = natter_scram_exchange_client_final (exchange, RFC_CLIENT_FINAL, &error);
  g_assert_error (error, NATTER_SCRAM_ERROR, NATTER_SCRAM_ERROR_INVALID);
}

static void
test_random_nonce (void)
{
  g_autofree char *credentials = rfc_credentials ("pencil");
  g_autoptr(NatterScramExchange) a = natter_scram_exchange_new ();
  g_autoptr(NatterScramExchange) b = natter_scram_exchange_new ();
  g_autofree char *ua = NULL, *ub = NULL, *fa = NULL, *fb = NULL;

  g_assert_true (natter_scram_exchange_client_first (a, RFC_CLIENT_FIRST, &ua, NULL, NULL));
  g_assert_true (natter_scram_exchange_client_first (b, RFC_CLIENT_FIRST, &ub, NULL, NULL));
  fa = natter_scram_exchange_server_first (a, credentials, NULL, NULL);
  fb = natter_scram_exchange_server_first (b, credentials, NULL, NULL);
  g_assert_true (g_str_has_prefix (fa, "r=rOprNGfwEbeRWgbNEkqO"));
  g_assert_true (g_str_has_suffix (fa, ",s=" RFC_SALT ",i=4096"));
  /* 24 characters of the server's own. */
  g_assert_cmpuint (strlen (fa), ==, strlen ("r=rOprNGfwEbeRWgbNEkqO,s=" RFC_SALT ",i=4096") + 24);
  g_assert_cmpstr (fa, !=, fb);
}

static void
test_saslprep (void)
{
  const struct {
    const char *in;
    const char *out;
  } cases[] = {
    /* RFC 4013 section 3. */
    { "I\xc2\xad" "X", "IX" },         /* SOFT HYPHEN mapped to nothing */
    { "user", "user" },
    { "USER", "USER" },
    { "\xc2\xaa", "a" },               /* FEMININE ORDINAL: NFKC */
    { "\xe2\x85\xa8", "IX" },          /* ROMAN NUMERAL NINE: NFKC */
    { "\x07", NULL },                  /* prohibited */
    /* Non-ASCII spaces are spaces. */
    { "a\xc2\xa0" "b", "a b" },
    { "pass word", "pass word" },
    /* Private use, not UTF-8. */
    { "\xee\x80\x80", NULL },
    { "\xff", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *out = natter_scram_prepare (cases[i].in);

      g_assert_cmpstr (out, ==, cases[i].out);
    }

  /* The same credentials for a password typed either way. */
  {
    g_autofree char *a = rfc_credentials ("\xe2\x85\xa8pencil");
    g_autofree char *b = rfc_credentials ("IXpencil");
    g_autoptr(GError) error = NULL;
    guint8 salt[4] = { 1, 2, 3, 4 };

    g_assert_cmpstr (a, ==, b);
    g_assert_null (natter_scram_derive ("bad\x07", salt, sizeof salt, 4096, &error));
    g_assert_error (error, NATTER_SCRAM_ERROR, NATTER_SCRAM_ERROR_PASSWORD);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/scram/rfc7677", test_rfc7677);
  g_test_add_func ("/scram/credentials-format", test_credentials_format);
  g_test_add_func ("/scram/wrong-password", test_wrong_password);
  g_test_add_func ("/scram/client-final-refused", test_client_final_refused);
  g_test_add_func ("/scram/client-first", test_client_first);
  g_test_add_func ("/scram/gs2-y", test_gs2_y);
  g_test_add_func ("/scram/random-nonce", test_random_nonce);
  g_test_add_func ("/scram/saslprep", test_saslprep);

  return g_test_run ();
}
