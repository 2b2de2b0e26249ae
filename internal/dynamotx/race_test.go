package dynamotx_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// TestIsolation races transactions that move 1 from counter x to counter
// y (y is added to first, then x taken from on condition that it holds at
// least 1, so a cancelled move has something to undo) against readers. The
// total is 50 and 8 movers try 10 moves each, so 30 moves are cancelled.
// A TransactGetItems of both must always see the total; two GetItems, y
// then x, must never see more (x only falls and y only rises, so the total
// or less is all a reader may see, unless it sees a move half done).
func TestIsolation(t *testing.T) {
	c := client(endpoint(t))
	tb := newTable(t, c, false)
	const total, movers, tries = 50, 8, 10
	put(t, c, tb, counter("x", total))
	put(t, c, tb, counter("y", 0))

	var moved, refused, reads atomic.Int64
	var wg, readers sync.WaitGroup
	stop := make(chan struct{})
	for range 3 {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				out, err := c.TransactGetItems(context.Background(), &ddb.TransactGetItemsInput{TransactItems: []types.TransactGetItem{
					{Get: &types.Get{TableName: aws.String(tb), Key: key("x")}},
					{Get: &types.Get{TableName: aws.String(tb), Key: key("y")}}}})
				if err != nil {
					t.Error(err)
					return
				}
				if sum := num(t, out.Responses[0].Item, "n") + num(t, out.Responses[1].Item, "n"); sum != total {
					t.Errorf("TransactGetItems saw x+y = %d, want %d", sum, total)
				}
				y := num(t, get(t, c, tb, key("y")), "n")
				x := num(t, get(t, c, tb, key("x")), "n")
				if x+y > total {
					t.Errorf("GetItem y then x saw %d+%d = %d > %d: a move half done", y, x, x+y, total)
				}
				reads.Add(1)
			}
		}()
	}
	for range movers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range tries {
				err := write(c, add(tb, "y", 1, "", false), add(tb, "x", -1, "n > :zero", false))
				var tce *types.TransactionCanceledException
				switch {
				case err == nil:
					moved.Add(1)
				case errors.As(err, &tce):
					refused.Add(1)
				default:
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	readers.Wait()
	if moved.Load() != total || refused.Load() != movers*tries-total {
		t.Errorf("%d moved, %d cancelled; want %d and %d", moved.Load(), refused.Load(), total, movers*tries-total)
	}
	if x, y := num(t, get(t, c, tb, key("x")), "n"), num(t, get(t, c, tb, key("y")), "n"); x != 0 || y != total {
		t.Errorf("x = %d, y = %d; want 0 and %d", x, y, total)
	}
	t.Logf("%d moves, %d cancelled, %d reads", moved.Load(), refused.Load(), reads.Load())
}

// TestTransactionRacesPlainUpdates: plain UpdateItems add to a counter
// while transactions add to it too, each with a second item whose
// condition fails once its limit is reached; a cancelled transaction puts
// the counter's old image back, which would wipe out a plain update that
// came in between. Every plain update and every transaction that
// succeeded must be counted.
func TestTransactionRacesPlainUpdates(t *testing.T) {
	c := client(endpoint(t))
	tb := newTable(t, c, false)
	const plain, txs, workers, limit = 4, 4, 15, 20
	put(t, c, tb, counter("a", 0))
	put(t, c, tb, counter("gate", limit))
	var ok atomic.Int64
	var wg sync.WaitGroup
	for range plain {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range workers {
				if _, err := c.UpdateItem(context.Background(), &ddb.UpdateItemInput{TableName: aws.String(tb), Key: key("a"),
					UpdateExpression: aws.String("ADD n :one"), ExpressionAttributeValues: map[string]types.AttributeValue{":one": n(1)}}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	for range txs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range workers {
				err := write(c, add(tb, "a", 1000, "", false), add(tb, "gate", -1, "n > :zero", false))
				var tce *types.TransactionCanceledException
				switch {
				case err == nil:
					ok.Add(1)
				case !errors.As(err, &tce):
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if ok.Load() != limit {
		t.Errorf("%d transactions succeeded, want %d", ok.Load(), limit)
	}
	if got, want := num(t, get(t, c, tb, key("a")), "n"), plain*workers+1000*limit; got != want {
		t.Errorf("a: n = %d, want %d (%d plain updates and %d transactions)", got, want, plain*workers, limit)
	}
}
