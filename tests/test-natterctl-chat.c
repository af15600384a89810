/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-natterctl-chat"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "natter-test-bus.h"
#include "natter-test-client.h"
#include "natter-test-ctl.h"
#include "natter-test-fake.h"

/*
 * `natterctl chat` driven through a pseudo-terminal, as a person would: keys
 * go in, and what natterctl writes is played on a small terminal model (the
 * xterm subset readline uses: cursor moves, erase, insert and delete), so
 * the tests assert on the screen a person would see, not on bytes.
 */

#define ROWS 24
#define COLS 100

/* The terminal */

typedef struct {
  gunichar cells[ROWS][COLS];
  int      row;
  int      cols;          /* the width now, at most COLS */
  int      col;           /* cols: at the margin, wrapping on the next character */
  gboolean wrapped[ROWS]; /* the row goes on in the next one (it wrapped at the margin) */
  int      saved_row;
  int      saved_col;
  GString *escape;        /* an escape sequence being read, or NULL */
  guchar   utf8[4];
  int      utf8_len;
  int      utf8_need;
} Term;

static void
term_clear_cells (Term *term,
                  int   row,
                  int   from,
                  int   to)
{
  for (int c = MAX (from, 0); c < MIN (to, COLS); c++)
    term->cells[row][c] = ' ';
}

static void
term_init (Term *term)
{
  memset (term, 0, sizeof *term);
  term->cols = COLS;
  for (int r = 0; r < ROWS; r++)
    term_clear_cells (term, r, 0, COLS);
}

static void
term_scroll_up (Term *term)
{
  memmove (term->cells[0], term->cells[1], sizeof term->cells[0] * (ROWS - 1));
  memmove (term->wrapped, term->wrapped + 1, sizeof term->wrapped[0] * (ROWS - 1));
  term_clear_cells (term, ROWS - 1, 0, COLS);
  term->wrapped[ROWS - 1] = FALSE;
}

static void
term_newline (Term *term)
{
  if (term->row == ROWS - 1)
    term_scroll_up (term);
  else
    term->row++;
}

static void
term_put (Term     *term,
          gunichar  c)
{
  if (term->col >= term->cols)
    {
      term->wrapped[term->row] = TRUE;
      term->col = 0;
      term_newline (term);
    }
  term->cells[term->row][term->col++] = c;
}

static int
param (const char *params,
       guint       index,
       int         fallback)
{
  g_auto(GStrv) parts = g_strsplit (params, ";", -1);
  int value;

  if (index >= g_strv_length (parts) || parts[index][0] == '\0')
    return fallback;

  value = atoi (parts[index]);

  return value;
}

static void
term_csi (Term       *term,
          const char *params,
          char        final)
{
  int n = MAX (param (params, 0, 1), 1);
  int cols = term->cols;
  int col = MIN (term->col, cols - 1);

  /* Private modes (bracketed paste, keypad...) change nothing we draw. */
  if (params[0] == '?' || params[0] == '>' || params[0] == '=')
    return;

  switch (final)
    {
    case 'A':
      term->row = MAX (term->row - n, 0);
      term->col = col;
      break;
    case 'B':
      term->row = MIN (term->row + n, ROWS - 1);
      term->col = col;
      break;
    case 'C':
      term->col = MIN (col + n, cols - 1);
      break;
    case 'D':
      term->col = MAX (col - n, 0);
      break;
    case 'G':
      term->col = MIN (n - 1, cols - 1);
      break;
    case 'H':
    case 'f':
      term->row = MIN (MAX (param (params, 0, 1), 1), ROWS) - 1;
      term->col = MIN (MAX (param (params, 1, 1), 1), cols) - 1;
      break;
    case 'J':
      switch (param (params, 0, 0))
        {
        case 0:
          term_clear_cells (term, term->row, col, COLS);
          term->wrapped[term->row] = FALSE;
          for (int r = term->row + 1; r < ROWS; r++)
            {
              term_clear_cells (term, r, 0, COLS);
              term->wrapped[r] = FALSE;
            }
          break;
        case 1:
          for (int r = 0; r < term->row; r++)
            term_clear_cells (term, r, 0, COLS);
          term_clear_cells (term, term->row, 0, col + 1);
          break;
        default:
          for (int r = 0; r < ROWS; r++)
            term_clear_cells (term, r, 0, COLS);
        }
      break;
    case 'K':
      /* An erased line no longer goes on in the next one. */
      term->wrapped[term->row] = FALSE;
      switch (param (params, 0, 0))
        {
        case 0:
          term_clear_cells (term, term->row, col, COLS);
          break;
        case 1:
          term_clear_cells (term, term->row, 0, col + 1);
          break;
        default:
          term_clear_cells (term, term->row, 0, COLS);
        }
      break;
    case 'P':
      n = MIN (n, cols - col);
      memmove (&term->cells[term->row][col], &term->cells[term->row][col + n],
               sizeof (gunichar) * (cols - col - n));
      term_clear_cells (term, term->row, cols - n, cols);
      break;
    case '@':
      n = MIN (n, cols - col);
      memmove (&term->cells[term->row][col + n], &term->cells[term->row][col],
               sizeof (gunichar) * (cols - col - n));
      term_clear_cells (term, term->row, col, col + n);
      break;
    case 'X':
      term_clear_cells (term, term->row, col, col + n);
      break;
    default:
      /* m (colours), h, l, r...: nothing to draw. */
      break;
    }
}

static void
term_escape (Term *term)
{
  const char *seq = term->escape->str;

  if (seq[0] == '[')
    {
      g_autofree char *params = g_strndup (seq + 1, term->escape->len - 2);

      term_csi (term, params, seq[term->escape->len - 1]);
    }
  else if (seq[0] == '7')
    {
      term->saved_row = term->row;
      term->saved_col = term->col;
    }
  else if (seq[0] == '8')
    {
      term->row = term->saved_row;
      term->col = term->saved_col;
    }
  else if (seq[0] == 'M')
    term->row = MAX (term->row - 1, 0);
}

/* Whether the escape sequence read so far is complete. */
static gboolean
escape_complete (GString *escape)
{
  char first = escape->str[0];
  char last = escape->str[escape->len - 1];

  if (first == '[')
    return escape->len > 1 && last >= 0x40 && last <= 0x7e;
  if (first == ']')
    return last == '\a' || (escape->len > 1 && last == '\\' && escape->str[escape->len - 2] == '\033');
  if (first == '(' || first == ')')
    return escape->len == 2;

  return TRUE;
}

static void
term_feed (Term       *term,
           const char *data,
           gsize       len)
{
  for (gsize i = 0; i < len; i++)
    {
      guchar byte = data[i];

      if (term->escape != NULL)
        {
          g_string_append_c (term->escape, byte);
          if (escape_complete (term->escape))
            {
              term_escape (term);
              g_string_free (term->escape, TRUE);
              term->escape = NULL;
            }
          continue;
        }

      if (term->utf8_need > 0)
        {
          term->utf8[term->utf8_len++] = byte;
          if (term->utf8_len == term->utf8_need)
            {
              term_put (term, g_utf8_get_char_validated ((char *) term->utf8, term->utf8_len));
              term->utf8_need = 0;
            }
          continue;
        }

      switch (byte)
        {
        case '\033':
          term->escape = g_string_new (NULL);
          break;
        case '\r':
          term->col = 0;
          break;
        case '\n':
          term_newline (term);
          break;
        case '\b':
          term->col = MAX (MIN (term->col, term->cols - 1) - 1, 0);
          break;
        case '\t':
          term->col = MIN ((term->col / 8 + 1) * 8, term->cols - 1);
          break;
        case '\a':
        case '\001':
        case '\002':
          break;
        default:
          if (byte >= 0xc0)
            {
              term->utf8[0] = byte;
              term->utf8_len = 1;
              term->utf8_need = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : 2;
            }
          else if (byte >= 0x20)
            term_put (term, byte);
        }
    }
}

/* A resize to @cols columns as VTE, Konsole, kitty and most terminals do
 * it: lines that wrapped at the margin are one line again, wrapped anew,
 * and the cursor stays on its character. The screen here only ever holds
 * what is above the cursor. */
static void
term_resize (Term *term,
             int   cols)
{
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  GArray *line = NULL;
  guint cursor_line = 0, cursor_offset = 0, first = 0, n_rows = 0;

  for (int r = 0; r <= term->row; r++)
    {
      int len = COLS;

      if (line == NULL)
        {
          line = g_array_new (FALSE, FALSE, sizeof (gunichar));
          g_ptr_array_add (lines, line);
        }
      if (r == term->row)
        {
          cursor_line = lines->len - 1;
          cursor_offset = line->len + MIN (term->col, term->cols);
        }
      if (term->wrapped[r])
        len = term->cols;
      else
        while (len > 0 && term->cells[r][len - 1] == ' ')
          len--;
      g_array_append_vals (line, term->cells[r], len);
      if (!term->wrapped[r])
        line = NULL;
    }

  /* The rows each line takes now; the top ones go when there are too many. */
  for (guint i = 0; i < lines->len; i++)
    {
      guint len = ((GArray *) g_ptr_array_index (lines, i))->len;

      if (i == cursor_line)
        len = MAX (len, cursor_offset + 1);
      n_rows += MAX ((len + cols - 1) / cols, 1);
    }
  first = n_rows > ROWS ? n_rows - ROWS : 0;

  for (int r = 0; r < ROWS; r++)
    {
      term_clear_cells (term, r, 0, COLS);
      term->wrapped[r] = FALSE;
    }
  term->cols = cols;

  n_rows = 0;
  for (guint i = 0; i < lines->len; i++)
    {
      GArray *text = g_ptr_array_index (lines, i);
      guint len = i == cursor_line ? MAX (text->len, cursor_offset + 1) : text->len;

      for (guint at = 0; at == 0 || at < len; at += cols, n_rows++)
        {
          int r = (int) n_rows - (int) first;

          if (r < 0)
            continue;
          for (guint c = 0; c < (guint) cols && at + c < text->len; c++)
            term->cells[r][c] = g_array_index (text, gunichar, at + c);
          term->wrapped[r] = at + cols < len;
          if (i == cursor_line && cursor_offset >= at && cursor_offset < at + cols)
            {
              term->row = r;
              term->col = cursor_offset - at;
            }
        }
    }
}

static char *
term_line (Term *term,
           int   row)
{
  GString *line = g_string_new (NULL);

  for (int c = 0; c < COLS; c++)
    g_string_append_unichar (line, term->cells[row][c]);
  while (line->len > 0 && line->str[line->len - 1] == ' ')
    g_string_truncate (line, line->len - 1);

  return g_string_free (line, FALSE);
}

static char *
term_screen (Term *term)
{
  GString *screen = g_string_new (NULL);

  for (int r = 0; r < ROWS; r++)
    {
      g_autofree char *line = term_line (term, r);

      g_string_append_printf (screen, "%s\n", line);
    }

  return g_string_free (screen, FALSE);
}

/* The chat in its pty */

typedef struct {
  NatterTestBus *bus;
  guint16        port;
  pid_t          pid;
  int            master;
  Term           term;
  GString       *raw;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->bus = natter_test_bus_new (NULL, TRUE);
  f->port = natter_test_ctl_start_hosting (f->bus);
  f->raw = g_string_new (NULL);
  f->master = -1;
  term_init (&f->term);
}

static int
chat_wait_exit (Fixture *f)
{
  gint64 deadline = g_get_monotonic_time () + natter_test_ms (10000) * G_TIME_SPAN_MILLISECOND;
  int status = 0;

  while (f->pid > 0 && g_get_monotonic_time () < deadline)
    {
      char buffer[4096];

      /* Keep draining, so it never blocks on a full pty. */
      while (read (f->master, buffer, sizeof buffer) > 0)
        ;
      if (waitpid (f->pid, &status, WNOHANG) == f->pid)
        {
          f->pid = 0;
          return WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
        }
      g_usleep (10000);
    }

  return -1;
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  if (f->pid > 0)
    {
      kill (f->pid, SIGKILL);
      waitpid (f->pid, NULL, 0);
    }
  if (f->master >= 0)
    close (f->master);
  g_string_free (f->raw, TRUE);
  if (f->term.escape != NULL)
    g_string_free (f->term.escape, TRUE);
  g_clear_pointer (&f->bus, natter_test_bus_free);
}

static void
chat_start (Fixture    *f,
            const char *first_arg,
            ...)
{
  struct winsize size = { .ws_row = ROWS, .ws_col = COLS };
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  va_list args;

  g_ptr_array_add (argv, (gpointer) natter_test_ctl_path ());
  g_ptr_array_add (argv, (gpointer) "chat");
  va_start (args, first_arg);
  for (const char *arg = first_arg; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  f->pid = forkpty (&f->master, NULL, NULL, &size);
  g_assert_cmpint (f->pid, >=, 0);

  if (f->pid == 0)
    {
      setenv ("TERM", "xterm", 1);
      setenv ("LC_ALL", "C.UTF-8", 1);
      setenv ("INPUTRC", "/dev/null", 1);
      unsetenv ("NO_COLOR");
      execv (natter_test_ctl_path (), (char **) argv->pdata);
      _exit (127);
    }

  fcntl (f->master, F_SETFL, fcntl (f->master, F_GETFL) | O_NONBLOCK);
}

/* Reads what natterctl wrote within @ms into the terminal. */
static void
chat_pump (Fixture *f,
           guint    ms)
{
  struct pollfd fd = { .fd = f->master, .events = POLLIN };
  char buffer[4096];
  ssize_t n;

  if (poll (&fd, 1, ms) <= 0)
    return;

  while ((n = read (f->master, buffer, sizeof buffer)) > 0)
    {
      g_string_append_len (f->raw, buffer, n);
      term_feed (&f->term, buffer, n);
    }
}

static void
chat_type (Fixture    *f,
           const char *keys)
{
  gsize len = strlen (keys);

  g_assert_cmpint (write (f->master, keys, len), ==, (gssize) len);
}

static char *
cursor_line (Fixture *f)
{
  return term_line (&f->term, f->term.row);
}

static gboolean
screen_has (Fixture    *f,
            const char *text)
{
  g_autofree char *screen = term_screen (&f->term);

  return strstr (screen, text) != NULL;
}

static guint
screen_count (Fixture    *f,
              const char *text)
{
  g_autofree char *screen = term_screen (&f->term);
  guint count = 0;

  for (const char *p = strstr (screen, text); p != NULL; p = strstr (p + 1, text))
    count++;

  return count;
}

static void
fail_with_screen (Fixture    *f,
                  const char *what)
{
  g_autofree char *screen = term_screen (&f->term);
  g_autofree char *raw = g_strescape (f->raw->str, NULL);

  g_test_message ("raw output: %s", raw);
  g_test_fail_printf ("%s; the screen:\n%s", what, screen);
  g_printerr ("%s; the screen:\n%s", what, screen);
}

static gboolean
wait_screen (Fixture    *f,
             const char *text)
{
  gint64 deadline = g_get_monotonic_time () + natter_test_ms (5000) * G_TIME_SPAN_MILLISECOND;

  if (g_test_failed ())
    return FALSE;

  while (!screen_has (f, text) && g_get_monotonic_time () < deadline)
    chat_pump (f, 50);

  if (screen_has (f, text))
    return TRUE;

  {
    g_autofree char *what = g_strdup_printf ("“%s” never appeared", text);

    fail_with_screen (f, what);
  }

  return FALSE;
}

/* Waits until @text is on the screen @count times. */
static gboolean
wait_count (Fixture    *f,
            const char *text,
            guint       count)
{
  gint64 deadline = g_get_monotonic_time () + natter_test_ms (5000) * G_TIME_SPAN_MILLISECOND;

  if (g_test_failed ())
    return FALSE;

  while (screen_count (f, text) < count && g_get_monotonic_time () < deadline)
    chat_pump (f, 50);

  if (screen_count (f, text) >= count)
    return TRUE;

  {
    g_autofree char *what = g_strdup_printf ("“%s” is not there %u times", text, count);

    fail_with_screen (f, what);
  }

  return FALSE;
}

/* Waits until the line under the cursor reads @expected, cursor at its end. */
static gboolean
wait_cursor_line (Fixture    *f,
                  const char *expected)
{
  gint64 deadline = g_get_monotonic_time () + natter_test_ms (5000) * G_TIME_SPAN_MILLISECOND;

  if (g_test_failed ())
    return FALSE;

  for (;;)
    {
      g_autofree char *line = cursor_line (f);
      g_autofree char *trimmed = g_strchomp (g_strdup (expected));

      /* The screen has no trailing blanks; the cursor says where the line ends. */
      if (g_str_equal (line, trimmed) && f->term.col == (int) g_utf8_strlen (expected, -1))
        return TRUE;
      if (g_get_monotonic_time () >= deadline)
        break;
      chat_pump (f, 50);
    }

  {
    g_autofree char *line = cursor_line (f);
    g_autofree char *what = g_strdup_printf ("the line being typed is “%s” (cursor at %d), not “%s”",
                                             line, f->term.col, expected);

    fail_with_screen (f, what);
  }

  return FALSE;
}

/* The terminal is made @cols wide: it rewraps its lines, then natterctl
 * hears of it (SIGWINCH). Returns where its output after that starts. */
static gsize
chat_resize (Fixture *f,
             int      cols)
{
  struct winsize size = { .ws_row = ROWS, .ws_col = cols };

  chat_pump (f, 0);
  term_resize (&f->term, cols);
  g_assert_cmpint (ioctl (f->master, TIOCSWINSZ, &size), ==, 0);

  return f->raw->len;
}

/* Waits until natterctl wrote @text after @from in its output. */
static gboolean
wait_output (Fixture    *f,
             gsize       from,
             const char *text)
{
  gint64 deadline = g_get_monotonic_time () + natter_test_ms (5000) * G_TIME_SPAN_MILLISECOND;

  while (strstr (f->raw->str + from, text) == NULL && g_get_monotonic_time () < deadline)
    chat_pump (f, 50);

  if (strstr (f->raw->str + from, text) != NULL)
    return TRUE;

  {
    g_autofree char *what = g_strdup_printf ("“%s” was never written", text);

    fail_with_screen (f, what);
  }

  return FALSE;
}

static void
chat_quit (Fixture *f)
{
  chat_type (f, "/quit\r");
  g_assert_cmpint (chat_wait_exit (f), ==, 0);
}

static void
chat_start_in_a (Fixture *f)
{
  g_autofree char *server = g_strdup_printf ("127.0.0.1:%u", f->port);

  chat_start (f, server, "--nick", "alice", "--join", "#a", NULL);
  wait_screen (f, "-- alice joined");
  wait_cursor_line (f, "[#a] ");
}

/* Tests */

static void
test_incoming_keeps_typed_line (Fixture       *f,
                                gconstpointer  data)
{
  g_autoptr(NatterTestClient) bob = natter_test_client_new (f->port);
  g_autoptr(JsonNode) sessions = NULL;
  g_autofree char *above = NULL;
  g_autofree char *typed = NULL;

  chat_start_in_a (f);

  natter_test_client_register (bob, "bob");
  natter_test_client_send (bob, "JOIN #a");
  wait_screen (f, "-- bob joined");

  /* Half a line typed, then bob speaks. */
  chat_type (f, "hello wor");
  wait_cursor_line (f, "[#a] hello wor");
  natter_test_client_send (bob, "PRIVMSG #a :are you there?");
  wait_screen (f, "<bob> are you there?");

  /* The message is on a line of its own above; the typed text is intact
   * below it, the cursor after it. */
  wait_cursor_line (f, "[#a] hello wor");
  above = term_line (&f->term, f->term.row - 1);
  if (!g_regex_match_simple ("^[0-9][0-9]:[0-9][0-9] <bob> are you there\\?$", above, 0, 0))
    fail_with_screen (f, "the message is not alone on the line above the prompt");
  g_assert_false (g_test_failed ());

  /* And again, with the cursor in the middle of the line. */
  chat_type (f, "\033[D\033[D");
  chat_pump (f, 100);
  natter_test_client_send (bob, "PRIVMSG #a :hello?");
  wait_screen (f, "<bob> hello?");
  chat_pump (f, 100);
  typed = cursor_line (f);
  g_assert_cmpstr (typed, ==, "[#a] hello wor");
  g_assert_cmpint (f->term.col, ==, strlen ("[#a] hello w"));

  /* Finishing the line sends it whole. */
  chat_type (f, "\005" "ld\r");
  natter_test_client_expect (bob, ":alice!*@127.0.0.1 PRIVMSG #a :hello world");
  wait_screen (f, "<alice> hello world");
  wait_cursor_line (f, "[#a] ");
  /* Said once, as a message with its time, not also as the typed line. */
  g_assert_false (screen_has (f, "[#a] hello world"));

  /* A highlight, room events told in a few words, and /quit: the session
   * stays in natterd. */
  natter_test_client_send (bob, "PRIVMSG #a :alice: ping");
  wait_screen (f, "<bob> alice: ping");
  natter_test_client_send (bob, "NICK bobby");
  wait_screen (f, "-- bob is now bobby");
  natter_test_client_send (bob, "PART #a :later");
  wait_screen (f, "-- bobby left (later)");
  chat_quit (f);
  sessions = natter_test_ctl_json ("sessions", NULL);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (json_node_get_object (sessions), "sessions")), ==, 1);
}

static void
test_tab_completion (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(NatterTestClient) bob = natter_test_client_new (f->port);

  chat_start_in_a (f);
  natter_test_client_register (bob, "bobby");
  natter_test_client_send (bob, "JOIN #a");
  wait_screen (f, "-- bobby joined");

  /* Commands */
  chat_type (f, "/jo\t");
  wait_cursor_line (f, "[#a] /join ");
  chat_type (f, "\025\\con\t");
  wait_cursor_line (f, "[#a] \\connect ");

  /* Nicks of the room, rooms */
  chat_type (f, "\025hi bo\t");
  wait_cursor_line (f, "[#a] hi bobby ");
  /* At the start of the line, a nick is who the line is for. */
  chat_type (f, "\025bo\t");
  wait_cursor_line (f, "[#a] bobby: ");
  chat_type (f, "\025see #\t");
  wait_cursor_line (f, "[#a] see #a ");

  /* Typed-line history */
  chat_type (f, "\025first line\r");
  wait_screen (f, "<alice> first line");
  chat_type (f, "\033[A");
  wait_cursor_line (f, "[#a] first line");
  chat_type (f, "\025/quit\r");
  g_assert_cmpint (chat_wait_exit (f), ==, 0);
}

static void
test_join_and_msg (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(NatterTestClient) bob = natter_test_client_new (f->port);
  g_autoptr(JsonNode) sessions = NULL;

  chat_start_in_a (f);
  natter_test_client_register (bob, "bob");
  natter_test_client_send (bob, "JOIN #b");
  natter_test_client_expect (bob, ":irc.test 366 bob #b *");

  /* /join reaches bob over TCP, and makes #b current. */
  chat_type (f, "/join #b\r");
  natter_test_client_expect (bob, ":alice!*@127.0.0.1 JOIN #b");
  wait_cursor_line (f, "[#b] ");
  chat_type (f, "hi b\r");
  natter_test_client_expect (bob, ":alice!* PRIVMSG #b :hi b");

  /* /msg to bob; his answer shows who it is from. */
  chat_type (f, "/msg bob psst\r");
  natter_test_client_expect (bob, ":alice!* PRIVMSG bob :psst");
  natter_test_client_send (bob, "PRIVMSG alice :what?");
  wait_screen (f, " bob <bob> what?");

  /* /me, /topic, /who */
  chat_type (f, "/me waves\r");
  natter_test_client_expect (bob, ":alice!* PRIVMSG #b :\001ACTION waves\001");
  wait_screen (f, "* alice waves");
  chat_type (f, "/who\r");
  wait_screen (f, "-- Who: ");
  wait_screen (f, " bob");

  /* The server says no: why, as a sentence, in the chat. */
  chat_type (f, "/topic mine now\r");
  wait_screen (f, "!! You need to be a room operator to change the topic");
  chat_type (f, "/nick bob\r");
  wait_screen (f, "!! That nick is taken");

  /* Alt+1 and /switch change the current room. */
  chat_type (f, "\0331");
  wait_cursor_line (f, "[#a] ");
  chat_type (f, "/switch #b\r");
  wait_cursor_line (f, "[#b] ");

  /* /part leaves, and the prompt goes back to #a. */
  chat_type (f, "/part\r");
  natter_test_client_expect (bob, ":alice!* PART #b*");
  wait_screen (f, "-- alice left");

  /* Ctrl-D with --once: the session goes. */
  chat_type (f, "\004");
  g_assert_cmpint (chat_wait_exit (f), ==, 0);
  sessions = natter_test_ctl_json ("sessions", NULL);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (json_node_get_object (sessions), "sessions")), ==, 1);

  {
    g_autoptr(JsonNode) after = NULL;

    /* Again with --once: this time the session is closed on the way out. */
    term_init (&f->term);
    chat_start (f, "--once", NULL);
    wait_cursor_line (f, "[#a] ");
    chat_type (f, "\004");
    g_assert_cmpint (chat_wait_exit (f), ==, 0);
    after = natter_test_ctl_json ("sessions", NULL);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (json_node_get_object (after), "sessions")), ==, 0);
  }
}

/* One QUIT or NICK is an event in every room the nick shares with us: the
 * terminal, one stream, tells it once. */
static void
test_quit_told_once (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(NatterTestClient) bob = natter_test_client_new (f->port);
  g_autoptr(NatterTestClient) carol = natter_test_client_new (f->port);

  chat_start_in_a (f);
  chat_type (f, "/join #b\r");
  wait_cursor_line (f, "[#b] ");
  natter_test_client_register (bob, "bob");
  natter_test_client_send (bob, "JOIN #a,#b");
  natter_test_client_register (carol, "carol");
  natter_test_client_send (carol, "JOIN #a");
  wait_screen (f, "carol joined");

  /* carol speaks after each: what came before her line is all there is. */
  natter_test_client_send (bob, "NICK bobby");
  natter_test_client_send (carol, "PRIVMSG #a :after the nick");
  wait_screen (f, "<carol> after the nick");
  g_assert_cmpuint (screen_count (f, "bob is now bobby"), ==, 1);

  /* The server tells a QUIT when it has closed the connection: after what
   * carol says next, maybe; so carol waits for it. */
  natter_test_client_send (bob, "QUIT :bye");
  wait_screen (f, "bobby quit (Quit: bye)");
  natter_test_client_send (carol, "PRIVMSG #a :after the quit");
  wait_screen (f, "<carol> after the quit");
  if (screen_count (f, "bobby quit (Quit: bye)") != 1)
    fail_with_screen (f, "the quit is not told once");
  g_assert_false (g_test_failed ());

  /* A join in between, and bob back and gone again: a new quit is told
   * again. */
  chat_type (f, "/join #c\r");
  wait_cursor_line (f, "[#c] ");
  natter_test_client_free (g_steal_pointer (&bob));
  bob = natter_test_client_new (f->port);
  natter_test_client_register (bob, "bobby");
  natter_test_client_send (bob, "JOIN #a,#b");
  natter_test_client_send (carol, "PRIVMSG #a :bobby is back");
  wait_screen (f, "<carol> bobby is back");
  natter_test_client_send (bob, "QUIT :again");
  wait_screen (f, "bobby quit (Quit: again)");
  natter_test_client_send (carol, "PRIVMSG #a :after the second quit");
  wait_screen (f, "<carol> after the second quit");
  g_assert_cmpuint (screen_count (f, "bobby quit (Quit: again)"), ==, 1);

  chat_quit (f);
}

/* A resize redraws the prompt and the line being typed once, where they
 * were: no copy left above, nothing above erased. */
static void
test_resize_redraws_cleanly (Fixture       *f,
                             gconstpointer  data)
{
  const char *typed = "a line typed long enough to wrap once the terminal is narrow";
  g_autofree char *line = g_strconcat ("[#a] ", typed, NULL);
  g_autofree char *tail = NULL;
  gsize from;

  chat_start_in_a (f);
  chat_type (f, typed);
  wait_cursor_line (f, line);

  /* Narrower: the line takes two rows. */
  from = chat_resize (f, 40);
  wait_output (f, from, "narrow");
  tail = g_strndup (line + 40, strlen (line) - 40);
  wait_cursor_line (f, tail);
  if (screen_count (f, "[#a] a line") != 1)
    fail_with_screen (f, "the prompt is there twice after the terminal got narrower");
  g_assert_false (g_test_failed ());
  g_assert_true (screen_has (f, "-- alice joined"));

  /* Wider again: one row. */
  from = chat_resize (f, COLS);
  wait_output (f, from, "narrow");
  wait_cursor_line (f, line);
  if (screen_count (f, "[#a] a line") != 1 || !screen_has (f, "-- alice joined"))
    fail_with_screen (f, "the terminal got wider: the prompt is there twice, or what was above it went");
  g_assert_false (g_test_failed ());

  /* The line is intact: it is sent whole. */
  chat_type (f, "\r");
  wait_screen (f, "<alice> a line typed long enough");
  chat_quit (f);
}

/* The IRC commands beyond talking, each seen from the other side. */
static void
test_irc_commands (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(NatterTestClient) bob = natter_test_client_new (f->port);

  chat_start_in_a (f);
  natter_test_client_register (bob, "bob");
  natter_test_client_send (bob, "JOIN #a");
  wait_screen (f, "-- bob joined");
  natter_test_client_send (bob, "JOIN #lobby");
  natter_test_client_send (bob, "TOPIC #lobby :fruit talk");
  natter_test_client_expect (bob, ":bob!* TOPIC #lobby :fruit talk");

  /* In /help, and completed with Tab. */
  chat_type (f, "/help\r");
  wait_screen (f, "/whois NICK");
  wait_screen (f, "/quote RAW LINE");
  chat_type (f, "/quo\t");
  wait_cursor_line (f, "[#a] /quote ");
  chat_type (f, "\025/ign\t");
  wait_cursor_line (f, "[#a] /ignore ");
  chat_type (f, "\025");

  /* /list, with a filter */
  chat_type (f, "/list LOB\r");
  wait_screen (f, "-- 1 room on the server");
  wait_screen (f, "#lobby                   1  fruit talk");

  /* /mode, on a room named or the current one */
  chat_type (f, "/mode #a +v  bob \r");
  natter_test_client_expect (bob, ":alice!* MODE #a +v bob");
  chat_type (f, "/mode +m\r");
  natter_test_client_expect (bob, ":alice!* MODE #a +m");

  /* /quote: a raw line */
  chat_type (f, "/quote PRIVMSG bob :raw hello\r");
  natter_test_client_expect (bob, ":alice!* PRIVMSG bob :raw hello");

  /* /msg to a list: each gets it, each refusal is told. */
  chat_type (f, "/msg bob,zed,#a hi all\r");
  natter_test_client_expect (bob, ":alice!* PRIVMSG bob :hi all");
  natter_test_client_expect (bob, ":alice!* PRIVMSG #a :hi all");
  wait_screen (f, "!! zed is not online");

  /* /whoelse and /wholast: the Natter host's WHOLAST, one line each. */
  chat_type (f, "/whoelse\r");
  wait_screen (f, "--   alice (alice@127.0.0.1) online, idle 0 min");
  wait_screen (f, "--   bob (bob@127.0.0.1) online, idle 0 min");
  chat_type (f, "/wholast 2000\r");
  wait_screen (f, "!! The server looks back at most 1440 minutes");
  chat_type (f, "/wholast soon\r");
  wait_screen (f, "-- Usage: /wholast MINUTES");

  /* /ignore: bob's message never shows; /whois answers after it, on the
   * same stream, so by then it was dropped. */
  chat_type (f, "/ignore\r");
  wait_screen (f, "-- Ignored: nobody");
  chat_type (f, "/ignore bob\r");
  wait_screen (f, "-- Ignored: bob!*@*");
  natter_test_client_send (bob, "PRIVMSG alice :hidden words");
  natter_test_client_send (bob, "PING :sync");
  natter_test_client_expect (bob, "* PONG * :sync");
  chat_type (f, "/whois bob\r");
  wait_screen (f, "-- bob is bob@");
  wait_screen (f, "(Real Name)");
  wait_screen (f, "--   in: ");
  chat_type (f, "/unignore bob\r");
  wait_count (f, "-- Ignored: nobody", 2);
  natter_test_client_send (bob, "PRIVMSG alice :visible words");
  wait_screen (f, "<bob> visible words");
  g_assert_false (screen_has (f, "hidden words"));

  /* /kick from the current room, /invite back to it */
  chat_type (f, "/kick bob behave\r");
  natter_test_client_expect (bob, ":alice!* KICK #a bob :behave");
  chat_type (f, "/invite bob\r");
  natter_test_client_expect (bob, ":alice!* INVITE bob #a");
  wait_screen (f, "-- Invited bob to #a");

  /* The server's refusal, as a sentence */
  chat_type (f, "/whois nobody\r");
  wait_screen (f, "!! nobody is not online");

  chat_quit (f);
}

/* A room keeps its window number while others come and go; a new one
 * takes the lowest free number. */
static void
test_window_numbers (Fixture       *f,
                     gconstpointer  data)
{
  chat_start_in_a (f);
  chat_type (f, "/join #b\r");
  wait_cursor_line (f, "[#b] ");
  chat_type (f, "/join #c\r");
  wait_cursor_line (f, "[#c] ");
  chat_type (f, "/windows\r");
  wait_screen (f, "-- Windows: 1:#a 2:#b 3:#c");

  /* Leaving the current room: its window closes (then plain lines go to
   * the lowest window's room). */
  chat_type (f, "/switch #b\r");
  wait_cursor_line (f, "[#b] ");
  chat_type (f, "/part\r");
  wait_cursor_line (f, "[#a] ");
  chat_type (f, "/windows\r");
  wait_screen (f, "-- Windows: 1:#a 3:#c");

  chat_type (f, "/join #d\r");
  wait_cursor_line (f, "[#d] ");
  chat_type (f, "/windows\r");
  wait_screen (f, "-- Windows: 1:#a 2:#d 3:#c");

  chat_type (f, "\0333");
  wait_cursor_line (f, "[#c] ");
  chat_type (f, "/switch 2\r");
  wait_cursor_line (f, "[#d] ");
  chat_type (f, "/window 1\r");
  wait_cursor_line (f, "[#a] ");
  chat_type (f, "/switch 4\r");
  wait_screen (f, "-- There is no window 4");
  chat_type (f, "\0330");
  wait_screen (f, "-- There is no window 10");

  chat_quit (f);
}

/* A private peer's presence (issue 16): told as it changes, and when
 * the conversation becomes the current one. */
static void
test_presence (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(NatterTestClient) bob = natter_test_client_new (f->port);

  chat_start_in_a (f);
  natter_test_client_register (bob, "bob");
  natter_test_client_send (bob, "JOIN #a");
  wait_screen (f, "-- bob joined");
  natter_test_client_send (bob, "SETNAME :Robert Paulson");
  natter_test_client_send (bob, "PRIVMSG alice :psst");
  wait_screen (f, "psst");

  natter_test_client_send (bob, "AWAY :at lunch");
  wait_screen (f, "* bob is away (at lunch)");
  chat_type (f, "/switch bob\r");
  wait_screen (f, "* bob (Robert Paulson): away (at lunch)");
  natter_test_client_send (bob, "AWAY");
  wait_screen (f, "* bob is back");
  natter_test_client_send (bob, "QUIT :bye");
  wait_screen (f, "* bob is offline");
  natter_test_client_free (g_steal_pointer (&bob));
  bob = natter_test_client_new (f->port);
  natter_test_client_register (bob, "bob");
  wait_screen (f, "* bob is online");

  chat_quit (f);
}

/* \\disconnect, then \\connect alone or to the same server: the session
 * connects again and rejoins its rooms. */
static void
test_reconnect (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(NatterTestClient) bob = natter_test_client_new (f->port);
  g_autofree char *again = g_strdup_printf ("\\connect 127.0.0.1:%u\r", f->port);
  guint connected;

  natter_test_client_register (bob, "bob");
  natter_test_client_send (bob, "JOIN #a");
  natter_test_client_expect (bob, "* 366 *");
  chat_start_in_a (f);
  natter_test_client_expect (bob, ":alice!* JOIN #a");
  /* The chat may have started on a session connected already, and says
   * "-- connected" only if it saw it happen: count from here, once its
   * prompt shows it connected. */
  wait_cursor_line (f, "[#a] ");
  connected = screen_count (f, "-- connected");

  chat_type (f, "\\disconnect\r");
  natter_test_client_expect (bob, ":alice!* QUIT *");
  wait_screen (f, "-- disconnected");
  chat_type (f, "\\connect\r");
  natter_test_client_expect (bob, ":alice!* JOIN #a");
  wait_count (f, "-- connected", connected + 1);

  chat_type (f, "\\disconnect\r");
  natter_test_client_expect (bob, ":alice!* QUIT *");
  wait_count (f, "-- disconnected", 2);
  chat_type (f, again);
  natter_test_client_expect (bob, ":alice!* JOIN #a");
  wait_count (f, "-- connected", connected + 2);
  chat_type (f, "hello again\r");
  natter_test_client_expect (bob, ":alice!* PRIVMSG #a :hello again");
  chat_quit (f);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/natterctl/chat/incoming-keeps-typed-line", Fixture, NULL,
              fixture_set_up, test_incoming_keeps_typed_line, fixture_tear_down);
  g_test_add ("/natterctl/chat/tab-completion-and-history", Fixture, NULL,
              fixture_set_up, test_tab_completion, fixture_tear_down);
  g_test_add ("/natterctl/chat/join-and-msg-reach-tcp", Fixture, NULL,
              fixture_set_up, test_join_and_msg, fixture_tear_down);

  g_test_add ("/natterctl/chat/quit-told-once", Fixture, NULL,
              fixture_set_up, test_quit_told_once, fixture_tear_down);

  g_test_add ("/natterctl/chat/resize-redraws-cleanly", Fixture, NULL,
              fixture_set_up, test_resize_redraws_cleanly, fixture_tear_down);

  g_test_add ("/natterctl/chat/irc-commands", Fixture, NULL,
              fixture_set_up, test_irc_commands, fixture_tear_down);
  g_test_add ("/natterctl/chat/disconnect-then-connect", Fixture, NULL,
              fixture_set_up, test_reconnect, fixture_tear_down);
  g_test_add ("/natterctl/chat/window-numbers", Fixture, NULL,
              fixture_set_up, test_window_numbers, fixture_tear_down);
  g_test_add ("/natterctl/chat/presence", Fixture, NULL,
              fixture_set_up, test_presence, fixture_tear_down);

  return g_test_run ();
}
